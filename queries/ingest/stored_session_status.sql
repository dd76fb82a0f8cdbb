-- The incoming sessions this installation already stores: 'duplicate' when every stored field is
-- the same, 'updated' when the incoming copy ranks above the stored one (session_copy_rank,
-- schema.sql: a newer copy, never one against a void copy whose replacement is named), 'older'
-- when the stored copy ranks above it (it is left as it is). Every other incoming session is new,
-- so only these need more than an insert (a first load of a file finds none). A session is
-- identified by its installation and id; validate_staged_sessions.sql has already rejected
-- an id that another installation holds.
CREATE OR REPLACE TEMP TABLE stored_status AS
SELECT p.session_id,
       CASE WHEN session_copy_rank(p) = session_copy_rank(s) THEN 'duplicate'
            WHEN session_copy_rank(p) > session_copy_rank(s) THEN 'updated'
            ELSE 'older' END AS status
FROM incoming p JOIN sessions s ON s.session_id = p.session_id AND s.installation_id = $installation_id

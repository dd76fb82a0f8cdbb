-- The incoming sessions this installation already stores: 'duplicate' when every stored
-- field is the same, 'updated' when the content changed. Every other incoming session is new,
-- so only these need more than an insert (a first load of a file finds none). A session is
-- identified by its installation and id; validate_staged_sessions.sql has already rejected
-- an id that another installation holds.
CREATE OR REPLACE TEMP TABLE stored_status AS
SELECT p.session_id,
       CASE WHEN (p.station_id, p.user_id, p.tag, p.started_at, p.ended_at,
                  p.registered_at, p.energy_kwh, p.offline, p.time_unreliable, p.void,
                  p.replaced_by, p.commit_metadata, p.external_id, p.firmware, p.signed,
                  p.energy_details::VARCHAR, p.dated_by_registration)
                 IS NOT DISTINCT FROM
                 (s.station_id, s.user_id, s.tag, s.started_at, s.ended_at,
                  s.registered_at, s.energy_kwh, s.offline, s.time_unreliable, s.void,
                  s.replaced_by, s.commit_metadata, s.external_id, s.firmware, s.signed,
                  s.energy_details::VARCHAR, s.dated_by_registration)
            THEN 'duplicate' ELSE 'updated' END AS status
FROM incoming p JOIN sessions s ON s.session_id = p.session_id AND s.installation_id = $installation_id

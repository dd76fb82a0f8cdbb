-- Session ids a file holds more than once among its valid records: the position of the copy that
-- wins (the greatest session_copy_rank, schema.sql: the newest; among identical copies the last),
-- how many other copies are the same as it (duplicates) and how many differ (conflicting copies).
-- Usually empty: the repeated ids are found by one hash aggregate over the staged rows, and only
-- their copies are ranked.
CREATE OR REPLACE TEMP TABLE repeated AS
WITH ids AS (
    SELECT session_id FROM staged WHERE reason IS NULL GROUP BY session_id HAVING count(*) > 1
),
copies AS (
    SELECT s.session_id, s.position, s.location, session_copy_rank(s) AS copy_rank
    FROM staged s SEMI JOIN ids USING (session_id)
    WHERE s.reason IS NULL
),
winners AS (
    SELECT session_id, arg_max(position, {'copy_rank': copy_rank, 'position': position}) AS winner_position
    FROM copies GROUP BY session_id
)
SELECT w.session_id, w.winner_position, any_value(won.location) AS winner_location,
       count(*) FILTER (WHERE c.position <> w.winner_position AND c.copy_rank = won.copy_rank) AS identical_copies,
       count(*) FILTER (WHERE c.copy_rank <> won.copy_rank) AS conflicting_copies
FROM winners w
JOIN copies won ON won.session_id = w.session_id AND won.position = w.winner_position
JOIN copies c ON c.session_id = w.session_id
GROUP BY w.session_id, w.winner_position

-- The session ids a file holds in copies that differ, with the copy that won (its line or record),
-- for the ingest summary: the first few, and how many there are.
SELECT session_id, winner_location, conflicting_copies, count(*) OVER () AS ids
FROM repeated WHERE conflicting_copies > 0
ORDER BY winner_position
LIMIT $limit

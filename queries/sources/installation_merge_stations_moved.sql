-- The stations whose sessions a merge moves (their overlapping sessions are found again).
SELECT DISTINCT station_id FROM sessions WHERE installation_id = $source_id

-- Forget every overlap, about to be found again for every station (session_overlaps_insert.sql, $all_stations).
DELETE FROM session_overlaps

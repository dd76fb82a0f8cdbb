-- How many sessions quality_overlapping_sessions.sql lists (the Data quality tab's count), without
-- reading the sessions for what the list shows of each.
SELECT count(*) FROM scoped_session_overlaps($see_all, $user_ids, $station_ids, $dwellings)

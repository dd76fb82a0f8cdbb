-- How fresh the data is, within the caller's scope.
SELECT max(started_local) AS newest_start, count(*) AS sessions
FROM scoped_sessions($see_all, $user_ids, $station_ids, $dwellings)

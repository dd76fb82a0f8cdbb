-- The years (local calendar, by session start) in which the caller has OWN charging, newest first:
-- the years My usage offers. "Own" as in my_usage_monthly.sql. Void sessions never count.
SELECT DISTINCT year(s.started_local) AS year
FROM scoped_sessions($see_all, $user_ids, $station_ids, $dwellings) s
WHERE in_own_scope($user_ids, $dwellings, s.installation_id, s.station_id, s.user_id, s.tag, statement_day(s.started_local, s.registered_local, s.time_unreliable))
  AND NOT s.void
  AND s.started_local IS NOT NULL
ORDER BY year DESC

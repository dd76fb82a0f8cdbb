-- The stations of the filtered charge history's sessions (those history_totals counts): which stations
-- a period's sessions used. Void sessions are left out unless asked for.
SELECT DISTINCT s.station_id
FROM scoped_sessions($see_all, $user_ids, $station_ids, $dwellings) s
WHERE s.started_local >= $local_from AND s.started_local < $local_to
  AND session_matches_filter(s.station_id, s.user_id, s.tag, $station_filter, $user_filter, $tag_filter)
  AND ($include_void OR NOT s.void)
  AND session_matches_status(s.offline, s.time_unreliable, $status_filter)
ORDER BY s.station_id

-- Totals of the filtered charge history. Void sessions (replaced by a corrected one) are
-- listed when asked for but never counted in kWh.
SELECT count(*) AS sessions,
       coalesce(sum(s.energy_kwh) FILTER (WHERE NOT s.void), 0)::DECIMAL(18, 3) AS energy_kwh,
       count(*) FILTER (WHERE s.offline) AS offline_sessions,
       count(*) FILTER (WHERE s.time_unreliable) AS unreliable_sessions,
       count(*) FILTER (WHERE s.void) AS void_sessions,
       min(s.started_local) AS first_start,
       max(s.started_local) AS last_start
FROM scoped_sessions($see_all, $user_ids, $station_ids, $dwellings) s
WHERE s.started_local >= $local_from AND s.started_local < $local_to
  AND session_matches_filter(s.station_id, s.user_id, s.tag, $station_filter, $user_filter, $tag_filter)
  AND ($include_void OR NOT s.void)
  AND session_matches_status(s.offline, s.time_unreliable, $status_filter)

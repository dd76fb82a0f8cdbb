-- Totals of the filtered charge history. Void sessions (replaced by a corrected one) are
-- listed when asked for but never counted in kWh.
SELECT count(*) AS sessions,
       coalesce(sum(s.energy_kwh) FILTER (WHERE NOT s.void), 0)::DECIMAL(18, 3) AS energy_kwh,
       count(*) FILTER (WHERE s.offline) AS offline_sessions,
       count(*) FILTER (WHERE s.time_unreliable) AS unreliable_sessions,
       count(*) FILTER (WHERE s.void) AS void_sessions,
       min(s.started_local) AS first_start,
       max(s.started_local) AS last_start
FROM scoped_sessions($see_all, $user_ids, $station_ids) s
WHERE s.started_local >= $local_from AND s.started_local < $local_to
  AND (len($station_filter) = 0 OR list_contains($station_filter, s.station_id))
  AND (len($user_filter) = 0 OR list_contains($user_filter, coalesce(s.user_id, '')))
  AND (len($tag_filter) = 0 OR list_contains($tag_filter, coalesce(s.tag, '')))
  AND ($include_void OR NOT s.void)

-- The whole filtered charge history for an export, newest first (streamed, never paged).
SELECT s.started_local AS start_local,
       timezone(i.time_zone, s.ended_at) AS end_local,
       (epoch(s.ended_at) - epoch(s.started_at)) / 3600.0 AS duration_h,
       coalesce(st.name, st.device_id, s.station_id) AS station,
       s.station_id,
       coalesce(u.name, u.email, s.user_id) AS user_name,
       s.user_id,
       s.tag,
       s.energy_kwh,
       s.offline,
       s.time_unreliable,
       s.void,
       s.registered_local,
       s.session_id
FROM scoped_sessions($see_all, $user_ids, $station_ids) s
JOIN installations i USING (installation_id)
LEFT JOIN stations st USING (station_id)
LEFT JOIN users u USING (user_id)
WHERE s.started_local >= $local_from AND s.started_local < $local_to
  AND (len($station_filter) = 0 OR list_contains($station_filter, s.station_id))
  AND (len($user_filter) = 0 OR list_contains($user_filter, coalesce(s.user_id, '')))
  AND (len($tag_filter) = 0 OR list_contains($tag_filter, coalesce(s.tag, '')))
  AND ($include_void OR NOT s.void)
ORDER BY s.started_at DESC, s.session_id

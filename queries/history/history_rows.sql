-- The filtered charge history, newest first, within the caller's scope: one page of it for
-- the history page ($limit rows from $offset), all of it for an export ($limit NULL, streamed).
SELECT s.started_local AS start_local,
       s.ended_local AS end_local,
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
       s.session_id,
       s.replaced_by
FROM scoped_sessions($see_all, $user_ids, $station_ids, $dwellings) s
JOIN installations i USING (installation_id)
LEFT JOIN stations st USING (station_id)
LEFT JOIN users u USING (user_id)
WHERE s.started_local >= $local_from AND s.started_local < $local_to
  AND session_matches_filter(s.station_id, s.user_id, s.tag, $station_filter, $user_filter, $tag_filter)
  AND ($include_void OR NOT s.void)
  AND session_matches_status(s.offline, s.time_unreliable, $status_filter)
ORDER BY s.started_at DESC, s.session_id
LIMIT $limit OFFSET $offset

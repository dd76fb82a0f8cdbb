-- The caller's OWN sessions in [$local_from, $local_to), newest first: start, end, the time the cloud
-- registered it, station, tag, energy and the offline flags.
SELECT s.session_id,
       s.started_local AS start_local,
       timezone(i.time_zone, s.ended_at) AS end_local,
       s.registered_local,
       (epoch(s.ended_at) - epoch(s.started_at)) / 3600.0 AS duration_h,
       coalesce(st.name, st.device_id, s.station_id) AS station,
       s.tag,
       s.energy_kwh,
       s.offline,
       s.time_unreliable
FROM scoped_sessions($see_all, $user_ids, $station_ids) s
JOIN installations i USING (installation_id)
LEFT JOIN stations st USING (station_id)
WHERE list_contains($user_ids, s.user_id) AND NOT s.void
  AND s.started_local >= $local_from AND s.started_local < $local_to
ORDER BY s.started_at DESC, s.session_id

-- Anomaly: counted sessions longer than $max_hours (3 days = 72 h) from start to end.
-- A session is shown as people know it (station name and serial, user, start), never by its id.
SELECT coalesce(st.name, st.device_id, s.station_id) AS station, st.device_id AS serial, coalesce(u.name, u.email, s.user_id) AS user_name, s.tag, s.started_local AS start_local, s.registered_local, round((epoch(s.ended_at) - epoch(s.started_at)) / 3600.0, 2) AS duration_h, s.energy_kwh
FROM scoped_sessions($see_all, $user_ids, $station_ids, $dwellings) s
LEFT JOIN stations st USING (station_id)
LEFT JOIN users u USING (user_id)
WHERE NOT s.void AND epoch(s.ended_at) - epoch(s.started_at) > $max_hours * 3600
ORDER BY duration_h DESC

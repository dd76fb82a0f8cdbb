-- Anomaly: stations with no session for $silent_days (30) days before $now — offline, broken, or
-- simply unused. Stations that never had a session are not known to the store and cannot be listed.
SELECT coalesce(any_value(st.name), any_value(st.device_id), s.station_id) AS station,
       any_value(st.device_id) AS serial,
       any_value(i.name) AS installation,
       max(s.started_local) AS last_session_local,
       date_diff('day', max(s.started_at), $now) AS days_silent
FROM scoped_sessions($see_all, $user_ids, $station_ids, $dwellings) s
LEFT JOIN stations st USING (station_id)
LEFT JOIN installations i ON i.installation_id = s.installation_id
WHERE NOT s.void
GROUP BY s.station_id
HAVING max(s.started_at) < $now - to_days($silent_days)
ORDER BY days_silent DESC

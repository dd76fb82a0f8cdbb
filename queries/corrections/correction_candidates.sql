-- Sessions whose time is unreliable, or that were charged offline (registered later than they
-- started), within the caller's scope: with their energy, the time the charger gave, the time the
-- cloud registered them, and the newest correction if the system owner recorded one.
-- Unreliable first (those are the ones that may need a corrected date), newest start first.
SELECT s.session_id,
       s.time_unreliable,
       s.offline,
       timezone(i.time_zone, s.started_at) AS start_local,  -- as the charger gave it (started_local may be
                                                             -- the registration's, dated_by_registration)
       s.registered_local,
       coalesce(st.name, st.device_id, s.station_id) AS station,
       st.device_id AS serial,
       coalesce(u.name, u.email, s.user_id) AS user_name,
       s.energy_kwh,
       c.corrected_start,
       c.corrected_by,
       c.corrected_at,
       c.note,
       coalesce(c.corrections, 0) AS corrections
FROM scoped_sessions($see_all, $user_ids, $station_ids, $dwellings) s
JOIN installations i USING (installation_id)
LEFT JOIN stations st USING (station_id)
LEFT JOIN users u USING (user_id)
LEFT JOIN latest_session_corrections c USING (session_id)
WHERE (s.time_unreliable OR s.offline) AND NOT s.void
ORDER BY s.time_unreliable DESC, s.started_at DESC, s.session_id

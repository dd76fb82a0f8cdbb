-- Anomaly: two counted sessions on ONE station whose times overlap (a station charges one car at a
-- time). One row per overlapping pair. A session whose clock was unreliable is left out: its
-- times are not when it charged, so they cannot show an overlap.
WITH s AS (
    SELECT * FROM scoped_sessions($see_all, $user_ids, $station_ids) WHERE NOT void AND NOT time_unreliable
)
-- Each session of a pair is shown as people know it (start, user, energy), never by its id.
SELECT coalesce(st.name, st.device_id, a.station_id) AS station, st.device_id AS serial,
       a.started_local AS start_local, coalesce(ua.name, ua.email, a.user_id) AS user_name, a.energy_kwh,
       b.started_local AS other_start_local, coalesce(ub.name, ub.email, b.user_id) AS other_user_name,
       b.energy_kwh AS other_energy_kwh,
       round((least(epoch(a.ended_at), epoch(b.ended_at)) - greatest(epoch(a.started_at), epoch(b.started_at))) / 60.0, 1)
           AS overlap_minutes
FROM s a
JOIN s b ON a.station_id = b.station_id AND a.session_id < b.session_id
        AND a.started_at < b.ended_at AND b.started_at < a.ended_at
LEFT JOIN stations st ON st.station_id = a.station_id
LEFT JOIN users ua ON ua.user_id = a.user_id
LEFT JOIN users ub ON ub.user_id = b.user_id
ORDER BY a.started_at DESC

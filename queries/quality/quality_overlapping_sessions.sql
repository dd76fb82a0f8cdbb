-- Anomaly: a counted session that starts on a station while an earlier one there is still charging
-- (a station charges one car at a time). One row per such session, beside the earlier session that
-- runs longest: one window over each station's sessions in start order, not a self-join of every
-- pair (a store whose stations overlap often held millions of pairs, and the join never finished at
-- 10M sessions). A session whose clock was unreliable is left out: its times are not when it
-- charged, so they cannot show an overlap.
WITH s AS (
    SELECT * FROM scoped_sessions($see_all, $user_ids, $station_ids) WHERE NOT void AND NOT time_unreliable
),
running AS (  -- for each session, the earlier sessions' latest end on its station, and whose it is
    SELECT session_id, station_id, started_at, ended_at,
           max(ended_at) OVER earlier AS earlier_end, arg_max(session_id, ended_at) OVER earlier AS earlier_id
    FROM s
    WINDOW earlier AS (PARTITION BY station_id ORDER BY started_at, session_id
                       ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)
)
-- Each session of a pair is shown as people know it (start, user, energy), never by its id.
SELECT coalesce(st.name, st.device_id, a.station_id) AS station, st.device_id AS serial,
       a.started_local AS start_local, coalesce(ua.name, ua.email, a.user_id) AS user_name, a.energy_kwh,
       b.started_local AS other_start_local, coalesce(ub.name, ub.email, b.user_id) AS other_user_name,
       b.energy_kwh AS other_energy_kwh,
       round((least(epoch(a.ended_at), epoch(b.ended_at)) - epoch(b.started_at)) / 60.0, 1) AS overlap_minutes
FROM running r
JOIN s b ON b.session_id = r.session_id
JOIN s a ON a.session_id = r.earlier_id
LEFT JOIN stations st ON st.station_id = a.station_id
LEFT JOIN users ua ON ua.user_id = a.user_id
LEFT JOIN users ub ON ub.user_id = b.user_id
WHERE r.started_at < r.earlier_end AND a.started_at < b.ended_at
ORDER BY b.started_at DESC

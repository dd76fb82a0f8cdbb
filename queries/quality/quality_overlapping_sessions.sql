-- Anomaly: a counted session that starts on a station while an earlier one there is still charging
-- (a station charges one car at a time). One row per such session, beside the earlier session that
-- runs longest: one window over each station's sessions in start order, carrying what is shown of
-- that earlier session, not a self-join of every pair (a store whose stations overlap often held
-- millions of pairs, and the join never finished at 10M sessions). A session whose clock was
-- unreliable is left out: its times are not when it charged, so they cannot show an overlap.
WITH s AS (
    SELECT * FROM scoped_sessions($see_all, $user_ids, $station_ids) WHERE NOT void AND NOT time_unreliable
),
running AS (  -- for each session, the earlier session on its station that ends last
    SELECT station_id, started_at, ended_at, started_local, user_id, energy_kwh,
           arg_max({'started_at': started_at, 'ended_at': ended_at, 'started_local': started_local,
                    'user_id': user_id, 'energy_kwh': energy_kwh}, ended_at) OVER earlier AS a
    FROM s
    WINDOW earlier AS (PARTITION BY station_id ORDER BY started_at, session_id
                       ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)
)
-- Each session of a pair is shown as people know it (start, user, energy), never by its id.
SELECT coalesce(st.name, st.device_id, r.station_id) AS station, st.device_id AS serial,
       r.a.started_local AS start_local, coalesce(ua.name, ua.email, r.a.user_id) AS user_name,
       r.a.energy_kwh AS energy_kwh,
       r.started_local AS other_start_local, coalesce(ub.name, ub.email, r.user_id) AS other_user_name,
       r.energy_kwh AS other_energy_kwh,
       round((least(epoch(r.a.ended_at), epoch(r.ended_at)) - epoch(r.started_at)) / 60.0, 1) AS overlap_minutes
FROM running r
LEFT JOIN stations st ON st.station_id = r.station_id
LEFT JOIN users ua ON ua.user_id = r.a.user_id
LEFT JOIN users ub ON ub.user_id = r.user_id
WHERE r.started_at < r.a.ended_at AND r.a.started_at < r.ended_at
ORDER BY r.started_at DESC

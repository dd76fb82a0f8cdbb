-- Anomaly: a counted session that starts on a station while an earlier one there is still charging
-- (a station charges one car at a time). One row per such session, beside the earlier session that
-- ends last: the pairs the ingest keeps in session_overlaps (the rule: queries/derived/session_overlaps_insert.sql).
-- The first $rows pairs (NULL: all) are chosen before the sessions are read for what is shown of
-- them: a store may hold millions of pairs. Each join also matches the start kept with the pair, so
-- the scan skips the row groups of other times (the first 200 at 10M: 0.5-0.6 s, 1.3-1.7 s without).
-- Each session of a pair is shown as people know it (start, user, energy), never by its id.
WITH shown AS (
    SELECT * FROM scoped_session_overlaps($see_all, $user_ids, $station_ids, $dwellings)
    ORDER BY started_at DESC, session_id
    LIMIT $rows
)
SELECT coalesce(st.name, st.device_id, o.station_id) AS station, st.device_id AS serial,
       a.started_local AS start_local, coalesce(ua.name, ua.email, a.user_id) AS user_name,
       a.energy_kwh AS energy_kwh,
       b.started_local AS other_start_local, coalesce(ub.name, ub.email, b.user_id) AS other_user_name,
       b.energy_kwh AS other_energy_kwh,
       round((least(epoch(a.ended_at), epoch(b.ended_at)) - epoch(b.started_at)) / 60.0, 1) AS overlap_minutes
FROM shown o
JOIN scoped_sessions($see_all, $user_ids, $station_ids, $dwellings) b
  ON b.installation_id = o.installation_id AND b.session_id = o.session_id AND b.started_at = o.started_at
JOIN scoped_sessions($see_all, $user_ids, $station_ids, $dwellings) a
  ON a.installation_id = o.installation_id AND a.session_id = o.earlier_session_id AND a.started_at = o.earlier_started_at
LEFT JOIN stations st ON st.station_id = o.station_id
LEFT JOIN users ua ON ua.user_id = a.user_id
LEFT JOIN users ub ON ub.user_id = b.user_id
ORDER BY o.started_at DESC, o.session_id

-- The charge report: consumption per charging station, user or RFID tag ($group_by =
-- 'station' | 'user' | 'rfid') over a local-time period, within the caller's scope and
-- filters. Void sessions are never counted. Sessions with no user / no tag get their own
-- row (key ''), so every grouping adds up to the same total. With $include_idle, entities
-- the caller may see but that had no session in the period are listed with zeros.
-- $attribute_by = 'registered' dates a session by when the cloud registered it (as the
-- charger cloud's own report does) instead of when it started; with $use_corrected a
-- session the system owner gave a corrected date counts on that date (the original stays).
-- One scan gives both levels (GROUPING SETS): a row per entity (month NULL: the report) and
-- a row per entity and local calendar month (the month-by-month breakdown).
-- Only the sessions that may be dated into the period are dated (scoped_sessions_around, schema.sql):
-- at 10M sessions, dating every one costs more than the report. Idle entities and a tag's last user
-- read all the caller's sessions, with plain columns only.
WITH counted AS (
    SELECT s.*,
           CASE $group_by WHEN 'station' THEN s.station_id
                          WHEN 'user' THEN coalesce(s.user_id, '')
                          ELSE coalesce(s.tag, '') END AS group_key,
           attributed_local(s.started_local, s.registered_local, c.corrected_start, $attribute_by, $use_corrected) AS period_local,
           date_trunc('month', period_local)::DATE AS month
    FROM scoped_sessions_around($see_all, $user_ids, $station_ids, $local_from, $local_to, $attribute_by, $use_corrected) s
    LEFT JOIN latest_session_corrections c ON $use_corrected AND c.session_id = s.session_id
    WHERE NOT s.void
      AND session_matches_filter(s.station_id, s.user_id, s.tag, $station_filter, $user_filter, $tag_filter)
),
every_session AS (  -- all the caller's counted sessions, whenever: for idle entities and last users
    SELECT CASE $group_by WHEN 'station' THEN s.station_id
                          WHEN 'user' THEN coalesce(s.user_id, '')
                          ELSE coalesce(s.tag, '') END AS group_key,
           s.user_id, s.started_at
    FROM scoped_sessions($see_all, $user_ids, $station_ids) s
    WHERE NOT s.void
      AND session_matches_filter(s.station_id, s.user_id, s.tag, $station_filter, $user_filter, $tag_filter)
),
grouped AS (
    SELECT group_key, month, grouping(month) = 0 AS is_month,
           count(*) AS sessions,
           sum(energy_kwh) AS energy_kwh,
           sum(epoch(ended_at) - epoch(started_at)) / 3600.0 AS charging_hours,
           count(*) FILTER (WHERE time_unreliable) AS unreliable_sessions,
           coalesce(sum(energy_kwh) FILTER (WHERE time_unreliable), 0) AS unreliable_kwh,
           count(*) FILTER (WHERE offline) AS offline_sessions,
           count(*) FILTER (WHERE dated_by_registration) AS dated_by_registration_sessions,
           coalesce(sum(energy_kwh) FILTER (WHERE dated_by_registration), 0) AS dated_by_registration_kwh
    FROM counted
    WHERE period_local >= $local_from AND period_local < $local_to
    GROUP BY GROUPING SETS ((group_key), (group_key, month))
),
idle AS (
    SELECT DISTINCT group_key FROM every_session WHERE $include_idle
    UNION
    SELECT station_id FROM stations
    WHERE $include_idle AND $group_by = 'station' AND ($see_all OR list_contains($station_ids, station_id))
      AND (len($station_filter) = 0 OR list_contains($station_filter, station_id))
),
-- "Last used by" for a tag: the newest user of it among the sessions the caller may see
-- (never a table shared by every scope, which would name someone the caller may not see).
tag_last_user AS (
    SELECT group_key, arg_max(user_id, started_at) AS user_id
    FROM every_session WHERE $group_by = 'rfid' AND user_id IS NOT NULL
    GROUP BY group_key
),
keyed AS (
    SELECT coalesce(g.group_key, i.group_key) AS group_key,
           coalesce(g.sessions, 0) AS sessions,
           coalesce(g.energy_kwh, 0)::DECIMAL(18, 3) AS energy_kwh,
           coalesce(g.charging_hours, 0) AS charging_hours,
           coalesce(g.unreliable_sessions, 0) AS unreliable_sessions,
           coalesce(g.unreliable_kwh, 0)::DECIMAL(18, 3) AS unreliable_kwh,
           coalesce(g.offline_sessions, 0) AS offline_sessions,
           coalesce(g.dated_by_registration_sessions, 0) AS dated_by_registration_sessions,
           coalesce(g.dated_by_registration_kwh, 0)::DECIMAL(18, 3) AS dated_by_registration_kwh
    FROM (SELECT * FROM grouped WHERE NOT is_month) g FULL JOIN idle i USING (group_key)
)
SELECT k.group_key AS key,
       CASE $group_by
           WHEN 'station' THEN coalesce(st.name, st.device_id, k.group_key)
           WHEN 'user' THEN CASE WHEN k.group_key = '' THEN 'no user (open charging)'
                                 ELSE coalesce(u.name, u.email, k.group_key) END
           ELSE CASE WHEN k.group_key = '' THEN 'no tag' ELSE k.group_key END
       END AS name,
       CASE $group_by WHEN 'station' THEN st.device_id WHEN 'user' THEN u.email
                      ELSE tag_user.name END AS detail,
       k.sessions, k.energy_kwh, k.charging_hours,
       CASE WHEN sum(k.energy_kwh) OVER () > 0
            THEN k.energy_kwh / sum(k.energy_kwh) OVER () ELSE 0 END AS share,
       k.unreliable_sessions, k.unreliable_kwh, k.offline_sessions,
       k.dated_by_registration_sessions, k.dated_by_registration_kwh,
       NULL::DATE AS month
FROM keyed k
LEFT JOIN stations st ON $group_by = 'station' AND st.station_id = k.group_key
LEFT JOIN users u ON $group_by = 'user' AND u.user_id = k.group_key
LEFT JOIN tag_last_user t ON $group_by = 'rfid' AND t.group_key = k.group_key
LEFT JOIN users tag_user ON tag_user.user_id = t.user_id
UNION ALL
SELECT m.group_key, NULL, NULL, m.sessions, m.energy_kwh::DECIMAL(18, 3), m.charging_hours, NULL,
       m.unreliable_sessions, m.unreliable_kwh::DECIMAL(18, 3), m.offline_sessions,
       m.dated_by_registration_sessions, m.dated_by_registration_kwh::DECIMAL(18, 3), m.month
FROM grouped m WHERE m.is_month
ORDER BY month NULLS FIRST, energy_kwh DESC, name

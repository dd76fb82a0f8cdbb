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
-- Whole local months come from the monthly sums (scoped_session_months: some 10^5 rows for a year of
-- 5M sessions) when sessions are dated by start and no corrected date is used; the days at the
-- period's edges, and every day otherwise, from the sessions that may be dated into the period
-- (scoped_sessions_around). [$whole_from, $whole_to) are those months (chargeboard.periods).
WITH dated AS (
    SELECT s.*,
           CASE $group_by WHEN 'station' THEN s.station_id
                          WHEN 'user' THEN coalesce(s.user_id, '')
                          ELSE coalesce(s.tag, '') END AS group_key,
           attributed_local(s.started_local, s.registered_local, c.corrected_start, $attribute_by, $use_corrected) AS period_local
    FROM scoped_sessions_around($see_all, $user_ids, $station_ids, $dwellings, $local_from, $local_to, $attribute_by, $use_corrected) s
    LEFT JOIN latest_session_corrections c ON $use_corrected AND c.session_id = s.session_id
    WHERE NOT s.void
      AND session_matches_filter(s.station_id, s.user_id, s.tag, $station_filter, $user_filter, $tag_filter)
      AND NOT in_summed_months(s.started_local, $whole_from, $whole_to, $attribute_by, $use_corrected)
),
counted AS (  -- one row per session, or per monthly sum, in the same shape
    SELECT group_key, date_trunc('month', period_local)::DATE AS month,
           1 AS session_count, energy_kwh, epoch(ended_at) - epoch(started_at) AS charging_seconds,
           time_unreliable::INTEGER AS unreliable_sessions,
           CASE WHEN time_unreliable THEN energy_kwh ELSE 0 END AS unreliable_kwh,
           offline::INTEGER AS offline_sessions,
           coalesce(dated_by_registration, false)::INTEGER AS dated_by_registration_sessions,
           CASE WHEN dated_by_registration THEN energy_kwh ELSE 0 END AS dated_by_registration_kwh
    FROM dated
    WHERE period_local >= $local_from AND period_local < $local_to
    UNION ALL
    SELECT CASE $group_by WHEN 'station' THEN m.station_id
                          WHEN 'user' THEN coalesce(m.user_id, '')
                          ELSE coalesce(m.tag, '') END,
           m.month, m.session_count, m.energy_kwh, m.charging_seconds, m.unreliable_sessions, m.unreliable_kwh,
           m.offline_sessions, m.dated_by_registration_sessions, m.dated_by_registration_kwh
    FROM scoped_session_months($see_all, $user_ids, $station_ids, $dwellings) m
    WHERE in_summed_months(m.month, $whole_from, $whole_to, $attribute_by, $use_corrected)
      AND session_matches_filter(m.station_id, m.user_id, m.tag, $station_filter, $user_filter, $tag_filter)
),
every_month AS (  -- all the caller's monthly sums, whenever: for idle entities and a tag's last user
    SELECT CASE $group_by WHEN 'station' THEN m.station_id
                          WHEN 'user' THEN coalesce(m.user_id, '')
                          ELSE coalesce(m.tag, '') END AS group_key,
           m.last_user_id, m.last_started_at
    FROM scoped_session_months($see_all, $user_ids, $station_ids, $dwellings) m
    WHERE session_matches_filter(m.station_id, m.user_id, m.tag, $station_filter, $user_filter, $tag_filter)
),
grouped AS (
    SELECT group_key, month, grouping(month) = 0 AS is_month,
           sum(session_count)::BIGINT AS sessions,
           sum(energy_kwh) AS energy_kwh,
           sum(charging_seconds) / 3600.0 AS charging_hours,
           sum(unreliable_sessions)::BIGINT AS unreliable_sessions,
           sum(unreliable_kwh) AS unreliable_kwh,
           sum(offline_sessions)::BIGINT AS offline_sessions,
           sum(dated_by_registration_sessions)::BIGINT AS dated_by_registration_sessions,
           sum(dated_by_registration_kwh) AS dated_by_registration_kwh
    FROM counted
    GROUP BY GROUPING SETS ((group_key), (group_key, month))
),
idle AS (
    SELECT DISTINCT group_key FROM every_month WHERE $include_idle
    UNION
    SELECT station_id FROM stations
    WHERE $include_idle AND $group_by = 'station' AND ($see_all OR list_contains($station_ids, station_id))
      AND (len($station_filter) = 0 OR list_contains($station_filter, station_id))
),
-- "Last used by" for a tag: the newest user of it among the sessions the caller may see
-- (never a table shared by every scope, which would name someone the caller may not see).
tag_last_user AS (
    SELECT group_key, arg_max(last_user_id, last_started_at) AS user_id
    FROM every_month WHERE $group_by = 'rfid' AND last_user_id IS NOT NULL
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

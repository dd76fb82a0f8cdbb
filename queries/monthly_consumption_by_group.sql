-- The charge report month by month: kWh and sessions per entity and local calendar month.
-- Same grouping, scope, filters and attribution as consumption_by_group.sql.
WITH counted AS (
    SELECT s.energy_kwh,
           CASE $group_by WHEN 'station' THEN s.station_id
                          WHEN 'user' THEN coalesce(s.user_id, '')
                          ELSE coalesce(s.tag, '') END AS group_key,
           attributed_local(s.started_local, s.registered_local, c.corrected_start, $attribute_by, $use_corrected) AS period_local
    FROM scoped_sessions($see_all, $user_ids, $station_ids) s
    LEFT JOIN latest_session_corrections c USING (session_id)
    WHERE NOT s.void
      AND session_matches_filter(s.station_id, s.user_id, s.tag, $station_filter, $user_filter, $tag_filter)
)
SELECT group_key AS key,
       date_trunc('month', period_local)::DATE AS month,
       count(*) AS sessions,
       sum(energy_kwh)::DECIMAL(18, 3) AS energy_kwh
FROM counted
WHERE period_local >= $local_from AND period_local < $local_to
GROUP BY ALL
ORDER BY month, key

-- The charge report month by month: kWh and sessions per entity and local calendar month.
-- Same grouping, scope, filters and attribution as consumption_by_group.sql.
WITH counted AS (
    SELECT s.energy_kwh,
           CASE $group_by WHEN 'station' THEN s.station_id
                          WHEN 'user' THEN coalesce(s.user_id, '')
                          ELSE coalesce(s.tag, '') END AS group_key,
           CASE WHEN $use_corrected AND c.corrected_start IS NOT NULL THEN c.corrected_start
                WHEN $attribute_by = 'registered' THEN coalesce(s.registered_local, s.started_local)
                ELSE s.started_local END AS period_local
    FROM scoped_sessions($see_all, $user_ids, $station_ids) s
    LEFT JOIN latest_session_corrections c USING (session_id)
    WHERE NOT s.void
      AND (len($station_filter) = 0 OR list_contains($station_filter, s.station_id))
      AND (len($user_filter) = 0 OR list_contains($user_filter, coalesce(s.user_id, '')))
      AND (len($tag_filter) = 0 OR list_contains($tag_filter, coalesce(s.tag, '')))
)
SELECT group_key AS key,
       date_trunc('month', period_local)::DATE AS month,
       count(*) AS sessions,
       sum(energy_kwh)::DECIMAL(18, 3) AS energy_kwh
FROM counted
WHERE period_local >= $local_from AND period_local < $local_to
GROUP BY ALL
ORDER BY month, key

-- kWh and sessions per local calendar month in [$local_from, $local_to), in scope: the dashboard's
-- monthly trend (the caller asks for two years so each month can be set against the year before).
-- Same dating rules as dashboard_kpis.sql.
WITH dated AS (
    SELECT s.energy_kwh,
           attributed_local(s.started_local, s.registered_local, c.corrected_start, $attribute_by, $use_corrected) AS period_local
    FROM scoped_sessions($see_all, $user_ids, $station_ids) s
    LEFT JOIN latest_session_corrections c USING (session_id)
    WHERE NOT s.void
      AND (len($installation_filter) = 0 OR list_contains($installation_filter, s.installation_id))
)
SELECT date_trunc('month', period_local)::DATE AS month,
       count(*) AS sessions,
       sum(energy_kwh)::DECIMAL(18, 3) AS energy_kwh
FROM dated
WHERE period_local >= $local_from AND period_local < $local_to
GROUP BY ALL
ORDER BY month

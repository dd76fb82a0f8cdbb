-- kWh and sessions per local calendar month in [$local_from, $local_to), in scope: the dashboard's
-- monthly trend (the caller asks for two years so each month can be set against the year before).
-- Same dating rules as dashboard_kpis.sql. Whole months [$whole_from, $whole_to) come from the
-- monthly sums when sessions are dated by start and no corrected date is used (as in
-- consumption_by_group.sql); other days from the sessions.
WITH dated AS (
    SELECT s.energy_kwh,
           attributed_local(s.started_local, s.registered_local, c.corrected_start, $attribute_by, $use_corrected) AS period_local
    FROM scoped_sessions_around($see_all, $user_ids, $station_ids, $dwellings, $local_from, $local_to, $attribute_by, $use_corrected) s
    LEFT JOIN latest_session_corrections c ON $use_corrected AND c.session_id = s.session_id
    WHERE NOT s.void
      AND (len($installation_filter) = 0 OR list_contains($installation_filter, s.installation_id))
      AND NOT in_summed_months(s.started_local, $whole_from, $whole_to, $attribute_by, $use_corrected)
),
counted AS (
    SELECT date_trunc('month', period_local)::DATE AS month, 1 AS session_count, energy_kwh
    FROM dated
    WHERE period_local >= $local_from AND period_local < $local_to
    UNION ALL
    SELECT m.month, m.session_count, m.energy_kwh
    FROM scoped_session_months($see_all, $user_ids, $station_ids, $dwellings) m
    WHERE in_summed_months(m.month, $whole_from, $whole_to, $attribute_by, $use_corrected)
      AND (len($installation_filter) = 0 OR list_contains($installation_filter, m.installation_id))
)
SELECT month,
       sum(session_count)::BIGINT AS sessions,
       sum(energy_kwh)::DECIMAL(18, 3) AS energy_kwh
FROM counted
GROUP BY month
ORDER BY month

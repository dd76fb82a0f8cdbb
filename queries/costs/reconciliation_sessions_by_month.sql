-- The chargers' consumption per local month of one installation in [$local_from, $local_to):
-- what the vehicles drew, as the sessions say. Dated as in statements: by start, or by when
-- the cloud registered it if the charger's clock was unreliable. Void sessions never count.
WITH s AS (
    SELECT s.*, CASE WHEN s.time_unreliable THEN coalesce(s.registered_local, s.started_local)
                     ELSE s.started_local END AS period_local
    FROM scoped_sessions($see_all, $user_ids, $station_ids, $dwellings) s
    WHERE s.installation_id = $installation_id AND NOT s.void
)
SELECT date_trunc('month', period_local)::DATE AS month,
       count(*) AS sessions,
       sum(energy_kwh)::DECIMAL(18, 3) AS energy_kwh,
       count(*) FILTER (WHERE offline) AS offline_sessions,
       count(*) FILTER (WHERE time_unreliable) AS unreliable_sessions
FROM s
WHERE period_local >= $local_from AND period_local < $local_to
GROUP BY ALL ORDER BY month

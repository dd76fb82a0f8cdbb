-- Sessions of one installation whose charger clock was unreliable, per local month: the months' UTC bounds
-- are $month_froms and $month_tos (consecutive, from $from_utc to $to_utc); a session counts in the month
-- its registration (else its start) falls in. Their hours are unknown, so the capacity peaks leave them out
-- (the page says how many and their kWh). One row per month, in the lists' order (i from 1).
WITH months AS (
    SELECT unnest(range(1, len($month_froms::TIMESTAMPTZ[]) + 1)) AS i,
           unnest($month_froms::TIMESTAMPTZ[]) AS from_utc, unnest($month_tos::TIMESTAMPTZ[]) AS to_utc
),
unplaced AS (
    SELECT coalesce(s.registered_at, s.started_at) AS at, s.energy_kwh
    FROM scoped_sessions($see_all, $user_ids, $station_ids, $dwellings) s
    WHERE s.installation_id = $installation_id AND NOT s.void AND s.time_unreliable
      AND coalesce(s.registered_at, s.started_at) >= $from_utc AND coalesce(s.registered_at, s.started_at) < $to_utc
)
SELECT m.i, count(u.at) AS sessions, coalesce(sum(u.energy_kwh), 0)::DECIMAL(18, 3) AS energy_kwh
FROM months m LEFT JOIN unplaced u ON u.at >= m.from_utc AND u.at < m.to_utc
GROUP BY m.i
ORDER BY m.i

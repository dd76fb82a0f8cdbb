-- The RFID tags the caller has charged with (own sessions only): sessions, kWh, first and last use.
SELECT coalesce(s.tag, '') AS tag,
       count(*) AS sessions,
       sum(s.energy_kwh)::DECIMAL(18, 3) AS energy_kwh,
       min(s.started_local) AS first_used,
       max(s.started_local) AS last_used
FROM scoped_sessions($see_all, $user_ids, $station_ids) s
WHERE list_contains($user_ids, s.user_id) AND NOT s.void
GROUP BY ALL
ORDER BY last_used DESC

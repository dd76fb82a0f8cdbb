-- The RFID tags the caller has charged with (own sessions only: in_own_scope): sessions, kWh, first and last use.
SELECT coalesce(s.tag, '') AS tag,
       count(*) AS sessions,
       sum(s.energy_kwh)::DECIMAL(18, 3) AS energy_kwh,
       min(s.started_local) AS first_used,
       max(s.started_local) AS last_used
FROM scoped_sessions($see_all, $user_ids, $station_ids, $dwellings) s
WHERE in_own_scope($user_ids, $dwellings, s.installation_id, s.station_id, s.user_id, s.tag, statement_day(s.started_local, s.registered_local, s.time_unreliable))
  AND NOT s.void
GROUP BY ALL
ORDER BY last_used DESC

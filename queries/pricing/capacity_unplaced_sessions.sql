-- Sessions of one installation starting in [$from_utc, $to_utc) whose charger clock was unreliable: their
-- hours are unknown, so the capacity peaks leave them out (the page says how many and their kWh).
SELECT count(*) AS sessions, coalesce(sum(s.energy_kwh), 0)::DECIMAL(18, 3) AS energy_kwh
FROM scoped_sessions($see_all, $user_ids, $station_ids, $dwellings) s
WHERE s.installation_id = $installation_id AND NOT s.void AND s.time_unreliable
  AND coalesce(s.registered_at, s.started_at) >= $from_utc AND coalesce(s.registered_at, s.started_at) < $to_utc

-- The caller's OWN charging per local calendar month in [$local_from, $local_to): kWh and sessions.
-- "Own" = sessions of the caller's own user ids and dwellings (in_own_scope), even for a charger owner
-- whose scope also holds other people's sessions on their stations. Dated by session start. Void sessions never count.
SELECT date_trunc('month', s.started_local)::DATE AS month,
       count(*) AS sessions,
       sum(s.energy_kwh)::DECIMAL(18, 3) AS energy_kwh
FROM scoped_sessions($see_all, $user_ids, $station_ids, $dwellings) s
WHERE in_own_scope($user_ids, $dwellings, s.installation_id, s.station_id, s.user_id, s.tag, statement_day(s.started_local, s.registered_local, s.time_unreliable))
  AND NOT s.void
  AND s.started_local >= $local_from AND s.started_local < $local_to
GROUP BY ALL
ORDER BY month

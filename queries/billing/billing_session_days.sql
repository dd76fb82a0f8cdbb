-- Every counted session dated in [$local_from, $local_to) as statements date them (scoped_sessions_dated),
-- with its statement_day, the dwelling it belongs to on that day (dwelling_of; NULL: none) and its Wh
-- (chargeboard/billing/dwelling_statements.py joins them to the statements' own per-session prices).
SELECT s.session_id, s.installation_id,
       statement_day(s.started_local, s.registered_local, s.time_unreliable) AS day,
       dwelling_of(s.installation_id, s.station_id, s.user_id, s.tag,
                   statement_day(s.started_local, s.registered_local, s.time_unreliable)) AS dwelling_id,
       (s.energy_kwh * 1000)::BIGINT AS energy_wh
FROM scoped_sessions_dated($see_all, $user_ids, $station_ids, $dwellings, $local_from, $local_to) s
WHERE NOT s.void
ORDER BY day, s.session_id

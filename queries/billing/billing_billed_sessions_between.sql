-- What the runs billed for the sessions dated in [$day_from, $day_to]: one row per run's row (kind
-- 'period', 'late' or 'correction'); a session's rows add up to it as last billed.
SELECT session_id, installation_id, day, dwelling_id, payer_owner_id, energy_wh, raw_cost, raw_vat, kind, run_id
FROM billing_run_sessions
WHERE day >= $day_from AND day <= $day_to
ORDER BY session_id, run_id

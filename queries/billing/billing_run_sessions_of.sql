-- The sessions (and differences) a run billed, for `billing show` and the tests.
SELECT session_id, installation_id, day, dwelling_id, payer_owner_id, energy_wh, raw_cost, raw_vat, kind, late
FROM billing_run_sessions WHERE run_id = $run_id
ORDER BY day, session_id, kind

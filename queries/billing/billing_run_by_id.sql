-- A billing run's head (chargeboard.billing.model.load).
SELECT run_id, kind, period_from, period_to, payer_rule, minimum_amount, currency, corrects_run, closed_at, closed_by
FROM billing_runs
WHERE run_id = $run_id

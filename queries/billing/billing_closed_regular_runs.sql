-- Every closed regular run's period and payer rule, oldest period first.
SELECT run_id, period_from, period_to, payer_rule
FROM billing_runs
WHERE kind = 'regular'
ORDER BY period_from, run_id

-- The closed regular runs whose period overlaps [$period_from, $period_to] (both included).
SELECT run_id, period_from, period_to
FROM billing_runs
WHERE kind = 'regular' AND period_from <= $period_to AND period_to >= $period_from
ORDER BY run_id

-- Every billing run, newest first, with its line count and total (billed lines; carried amounts are not).
SELECT r.run_id, r.kind, r.period_from, r.period_to, r.payer_rule, r.minimum_amount, r.currency, r.corrects_run,
       r.closed_at, r.closed_by, count(l.line_no) AS lines, coalesce(sum(l.amount), 0) AS total
FROM billing_runs r LEFT JOIN billing_run_lines l USING (run_id)
GROUP BY ALL
ORDER BY r.run_id DESC

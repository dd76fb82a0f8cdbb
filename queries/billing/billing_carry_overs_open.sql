-- The carry-overs no run has billed yet (the ledger's open entries), with the carrying run's period.
SELECT c.run_id, c.dwelling_id, c.payer_owner_id, c.amount, c.vat, r.period_from, r.period_to
FROM billing_carry_overs c JOIN billing_runs r USING (run_id)
WHERE c.taken_by_run IS NULL
ORDER BY c.run_id, c.dwelling_id

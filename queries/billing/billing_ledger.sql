-- The carry-over ledger: every carried amount, the run that carried it and the one that took it.
SELECT run_id, dwelling_id, payer_owner_id, amount, vat, taken_by_run FROM billing_carry_overs
ORDER BY run_id, dwelling_id

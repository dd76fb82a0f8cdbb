-- A dwelling's total under the run's minimum, carried to the next run.
INSERT INTO billing_carry_overs (run_id, dwelling_id, payer_owner_id, amount, vat, taken_by_run)
VALUES ($run_id, $dwelling_id, $payer_owner_id, $amount, $vat, NULL)

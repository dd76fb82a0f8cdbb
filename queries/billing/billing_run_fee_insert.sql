-- One fixed monthly fee a run billed (or a difference of one).
INSERT INTO billing_run_fees (run_id, dwelling_id, payer_owner_id, day, fee, raw_vat)
VALUES ($run_id, $dwelling_id, $payer_owner_id, $day, $fee, $raw_vat)

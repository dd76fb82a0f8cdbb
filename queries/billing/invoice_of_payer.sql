-- The invoice already issued for a run's dwelling and paying owner, if any (issue() is idempotent).
SELECT invoice_number, run_id, dwelling_id, payer_owner_id, kid, invoice_date, due_date, amount, vat, account_number
FROM invoices
WHERE run_id = $run_id AND dwelling_id = $dwelling_id AND payer_owner_id IS NOT DISTINCT FROM $payer_owner_id

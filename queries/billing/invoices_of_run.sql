-- A run's invoices, in invoice-number order.
SELECT invoice_number, run_id, dwelling_id, payer_owner_id, kid, invoice_date, due_date, amount, vat, account_number
FROM invoices
WHERE run_id = $run_id
ORDER BY invoice_number

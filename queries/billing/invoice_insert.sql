-- One invoice of a closed run (chargeboard.billing.invoices.issue).
INSERT INTO invoices (invoice_number, run_id, dwelling_id, payer_owner_id, kid, invoice_date, due_date, amount, vat,
                      account_number)
VALUES ($invoice_number, $run_id, $dwelling_id, $payer_owner_id, $kid, $invoice_date, $due_date, $amount, $vat,
        $account_number)

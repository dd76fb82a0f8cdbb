-- Write the co-op's billing settings (the one row), checked by chargeboard.billing.billing_settings.save.
INSERT INTO billing_settings (one, payer_rule, minimum_amount, account_number, kid_method, due_days, vat_rate,
                              line_text, kid_layout, updated_at, updated_by)
VALUES (true, $payer_rule, $minimum_amount, $account_number, $kid_method, $due_days, $vat_rate, $line_text,
        $kid_layout, now(), $updated_by)
ON CONFLICT (one) DO UPDATE SET
    payer_rule = excluded.payer_rule, minimum_amount = excluded.minimum_amount,
    account_number = excluded.account_number, kid_method = excluded.kid_method, due_days = excluded.due_days,
    vat_rate = excluded.vat_rate, line_text = excluded.line_text, kid_layout = excluded.kid_layout,
    updated_at = excluded.updated_at, updated_by = excluded.updated_by

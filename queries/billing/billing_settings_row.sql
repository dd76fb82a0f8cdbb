-- The co-op's billing settings (one row, or none yet: chargeboard.billing.billing_settings.read).
SELECT payer_rule, minimum_amount, account_number, kid_method, due_days, vat_rate, line_text, kid_layout,
       updated_at, updated_by
FROM billing_settings

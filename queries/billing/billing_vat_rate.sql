-- The VAT rate of a flat price (billing_settings; no row: none).
SELECT vat_rate FROM billing_settings

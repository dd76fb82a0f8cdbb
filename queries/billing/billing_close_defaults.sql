-- The co-op's payer rule and minimum amount (billing_settings; no row: the defaults) for `billing close`.
SELECT payer_rule, minimum_amount FROM billing_settings

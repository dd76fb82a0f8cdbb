-- Every tariff version ever entered, newest first.
SELECT version, valid_from, price_per_kwh, bands, monthly_fee, currency, withdrawn, standby_share, rest_share, note, created_at, created_by, formula
FROM tariffs ORDER BY version DESC

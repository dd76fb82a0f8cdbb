-- The price periods in force as of an instant (see the tariff_periods macro in schema.sql).
SELECT version, valid_from, valid_to, price_per_kwh, bands, monthly_fee, currency, created_at, created_by, standby_share, rest_share, formula
FROM tariff_periods($as_of) ORDER BY valid_from

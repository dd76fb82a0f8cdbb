-- The price periods of each installation with versions of its own, as of an instant (the
-- tariff_installation_periods macro in schema.sql): its chain, co-op-wide and own periods by valid_from.
SELECT installation_id, version, valid_from, valid_to, price_per_kwh, bands, monthly_fee, currency, created_at,
       created_by, standby_share, rest_share, formula, own
FROM tariff_installation_periods($as_of) ORDER BY installation_id, valid_from

-- Stored prices a newer file replaces (by their start).
DELETE FROM spot_prices WHERE area = $area AND starts_at IN (SELECT unnest($starts::TIMESTAMPTZ[]))

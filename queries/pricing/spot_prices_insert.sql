-- A file's new and replacing prices, as parallel lists (prices as text: exact decimals).
INSERT INTO spot_prices (area, starts_at, ends_at, nok_per_kwh, eur_per_kwh, exr, import_id)
SELECT $area, unnest($starts::TIMESTAMPTZ[]), unnest($ends::TIMESTAMPTZ[]),
       unnest($nok::VARCHAR[])::DECIMAL(14,6), unnest($eur::VARCHAR[])::DECIMAL(14,6),
       unnest($exr::VARCHAR[])::DECIMAL(14,6), $import_id

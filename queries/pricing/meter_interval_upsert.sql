-- Store a file's interval readings (lists of equal length, one item per interval: a row at a time
-- took 2 ms each); a new value for a stored interval replaces it (the file said so).
INSERT INTO meter_intervals (meter_id, starts_at, ends_at, kwh, import_id)
SELECT unnest($meter_ids), unnest($starts_at), unnest($ends_at), unnest($kwh)::DECIMAL(14, 3), $import_id
ON CONFLICT (meter_id, starts_at) DO UPDATE SET ends_at = excluded.ends_at, kwh = excluded.kwh,
                                               import_id = excluded.import_id

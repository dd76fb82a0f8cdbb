-- Store one interval reading; a new value for a stored interval replaces it (the file said so).
INSERT INTO meter_intervals (meter_id, starts_at, ends_at, kwh, import_id)
VALUES ($meter_id, $starts_at, $ends_at, $kwh, $import_id)
ON CONFLICT (meter_id, starts_at) DO UPDATE SET ends_at = excluded.ends_at, kwh = excluded.kwh,
                                               import_id = excluded.import_id

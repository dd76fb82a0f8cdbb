INSERT INTO rejected_rows (import_id, position, location, raw, reason)
SELECT $import_id, position, location, raw, reason FROM staged WHERE reason IS NOT NULL

INSERT INTO rejected_rows (import_id, position, location, raw, reason)
VALUES ($import_id, $position, $location, $raw, $reason)

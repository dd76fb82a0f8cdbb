-- Lines the CSV reader could not split into the header's columns (kept by store_rejects).
INSERT INTO rejected_rows (import_id, position, location, raw, reason)
SELECT $import_id, line, 'line ' || line, csv_line, 'malformed CSV line — ' || error_message
FROM reject_errors

-- A repeated file's rejected rows are logged again under the new import.
INSERT INTO rejected_rows (import_id, position, location, raw, reason)
SELECT $import_id, position, location, raw, reason FROM rejected_rows WHERE import_id = $earlier_import_id

-- The rows one import refused, in file order: what the upload shows after a file.
SELECT location, reason, raw FROM rejected_rows WHERE import_id = $import_id ORDER BY position

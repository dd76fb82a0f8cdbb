-- The imports log, newest first: every feed file loaded, with what became of its rows.
SELECT import_id, file_name, format, installation_id, started_at, finished_at, records,
       new_rows, duplicate_rows, updated_rows, rejected_rows, file_bytes, content_sha256
FROM imports
ORDER BY import_id DESC

-- One spot-price file (or fetched day file) in the imports log, with who loaded it.
INSERT INTO imports (import_id, file_name, content_sha256, file_bytes, format, installation_id, started_at,
                     finished_at, records, new_rows, duplicate_rows, updated_rows, rejected_rows, older_rows,
                     conflicting_rows, imported_by)
VALUES ($import_id, $file_name, $content_sha256, $file_bytes, $format, NULL, $started_at, now(),
        $records, $new_rows, $unchanged_rows, $replaced_rows, $rejected_rows, 0, 0, $imported_by)

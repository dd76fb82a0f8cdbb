INSERT INTO imports (import_id, file_name, content_sha256, file_bytes, format, installation_id, started_at,
                     finished_at, records, new_rows, duplicate_rows, updated_rows, rejected_rows, older_rows,
                     conflicting_rows)
VALUES ($import_id, $file_name, $content_sha256, $file_bytes, $format, $installation_id, $started_at, now(),
        $records, $new_rows, $duplicate_rows, $updated_rows, $rejected_rows, $older_rows, $conflicting_rows)

UPDATE sync_runs
SET finished_at = now(), pages = $pages, new_rows = $new_rows, updated_rows = $updated_rows,
    duplicate_rows = $duplicate_rows, rejected_rows = $rejected_rows, older_rows = $older_rows,
    conflicting_rows = $conflicting_rows, import_id = $import_id, error = $error
WHERE run_id = $run_id

-- The sync log, newest first.
SELECT r.run_id, r.provider, c.label AS connection, r.cloud_id, r.installation_id, r.started_at, r.finished_at,
       r.window_from, r.window_to, r.pages, r.new_rows, r.updated_rows, r.duplicate_rows, r.older_rows,
       r.conflicting_rows, r.rejected_rows,
       r.import_id, r.error
FROM sync_runs r LEFT JOIN connections c USING (connection_id)
ORDER BY r.run_id DESC
LIMIT $limit

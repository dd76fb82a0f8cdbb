-- The imports log, newest first: every feed file loaded, with what became of its rows.
SELECT i.import_id, i.file_name, i.format, inst.name AS installation, i.started_at, i.finished_at, i.records,
       i.new_rows, i.duplicate_rows, i.updated_rows, i.older_rows, i.conflicting_rows, i.rejected_rows, i.file_bytes,
       i.content_sha256
FROM imports i LEFT JOIN installations inst USING (installation_id)
ORDER BY i.import_id DESC

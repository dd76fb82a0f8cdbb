-- The last import of a sync's landed file for an installation: when the new pull is
-- byte-for-byte the same, there is nothing to load (not even a repeat in the imports log).
SELECT import_id, content_sha256, records, rejected_rows, older_rows, conflicting_rows FROM imports
WHERE file_name = $file_name AND installation_id = $installation_id
ORDER BY import_id DESC
LIMIT 1

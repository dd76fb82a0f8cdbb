-- The first earlier import of a byte-identical file into the same installation.
SELECT import_id, records, rejected_rows, older_rows, conflicting_rows FROM imports
WHERE content_sha256 = $content_sha256 AND installation_id = $installation_id
ORDER BY import_id LIMIT 1

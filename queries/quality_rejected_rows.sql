-- Rows the ingest refused, with the reason and where in which file (newest import first).
SELECT r.import_id, i.file_name, r.position, r.location, r.reason, r.raw
FROM rejected_rows r LEFT JOIN imports i USING (import_id)
ORDER BY r.import_id DESC, r.position

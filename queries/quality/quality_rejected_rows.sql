-- Rows the ingest refused, with the reason and where in which file (newest import first), and
-- the installation and day of their import (what a printed page's header names).
SELECT r.import_id, i.file_name, r.position, r.location, r.reason, r.raw,
       coalesce(inst.name, '') AS installation, i.started_at AS imported_at
FROM rejected_rows r
LEFT JOIN imports i USING (import_id)
LEFT JOIN installations inst ON inst.installation_id = i.installation_id
ORDER BY r.import_id DESC, r.position

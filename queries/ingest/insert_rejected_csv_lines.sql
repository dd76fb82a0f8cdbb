-- Lines the CSV reader could not split into the header's columns (kept by store_rejects),
-- one rejected row per line: a short line has one error per missing column, and the first
-- ("Expected ... Found: n") describes the line.
INSERT INTO rejected_rows (import_id, position, location, raw, reason)
SELECT $import_id, line, 'line ' || line, trim(any_value(csv_line), E'\r\n'),
       'malformed CSV line — ' || first(error_message ORDER BY column_idx NULLS LAST)
FROM reject_errors
GROUP BY line

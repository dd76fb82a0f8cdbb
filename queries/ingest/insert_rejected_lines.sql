-- Records the line-by-line CSV read could not read (csv_dialect.rewrite), each with its line,
-- its text and the reason.
INSERT INTO rejected_rows (import_id, position, location, raw, reason)
SELECT $import_id, line, 'line ' || line, raw, reason
FROM (SELECT unnest($lines::BIGINT[]) AS line, unnest($raws::VARCHAR[]) AS raw, unnest($reasons::VARCHAR[]) AS reason)

-- Counts for the ingest summary: records read, and how many of each outcome.
SELECT
    (SELECT count(*) FROM staged) AS records,
    (SELECT count(*) FROM staged WHERE reason IS NOT NULL) AS rejected,
    (SELECT count(*) FROM staged WHERE reason IS NULL) - (SELECT count(*) FROM incoming) AS duplicates_in_file,
    (SELECT count(*) FILTER (WHERE status = 'new') FROM incoming) AS new_rows,
    (SELECT count(*) FILTER (WHERE status = 'duplicate') FROM incoming) AS duplicate_rows,
    (SELECT count(*) FILTER (WHERE status = 'updated') FROM incoming) AS updated_rows

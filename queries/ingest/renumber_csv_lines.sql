-- The CSV reader numbers rows as it yields them (session_csv_records.sql), but it skips
-- lines: malformed ones (store_rejects keeps them in reject_errors, with their own line)
-- and blank ones ($blank_lines, found while hashing the file). The k-th row it yields is the
-- k-th line after the header that was not skipped: give every staged row that line.
UPDATE staged SET position = kept.line, location = 'line ' || kept.line
FROM (
    SELECT line, row_number() OVER (ORDER BY line) + 1 AS read_position
    FROM range(2, 2 + (SELECT count(*) FROM staged)
                    + (SELECT count(DISTINCT line) FROM reject_errors) + len($blank_lines)) lines(line)
    WHERE line NOT IN (SELECT line FROM reject_errors) AND NOT list_contains($blank_lines, line)
) kept
WHERE staged.position = kept.read_position

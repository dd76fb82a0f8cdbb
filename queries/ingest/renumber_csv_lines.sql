-- The CSV reader numbers rows as it yields them (session_csv_records.sql), but it skips
-- lines: malformed ones (store_rejects keeps them in reject_errors, with their own line)
-- and lines that start no record ($lines_without_record, found while hashing the file: blank
-- lines, and lines that go on a quoted field begun on an earlier line). The k-th row it yields is the
-- k-th line after the header that was not skipped: give every staged row that line.
UPDATE staged SET position = kept.line, location = 'line ' || kept.line
FROM (
    SELECT line, row_number() OVER (ORDER BY line) + 1 AS read_position
    FROM range(2, 2 + (SELECT count(*) FROM staged)
                    + (SELECT count(DISTINCT line) FROM reject_errors) + len($lines_without_record)) lines(line)
    WHERE line NOT IN (SELECT line FROM reject_errors) AND NOT list_contains($lines_without_record, line)
) kept
WHERE staged.position = kept.read_position

-- Counts for the ingest summary: records read, and how many of each outcome.
WITH valid AS (
    SELECT count(*) FILTER (WHERE reason IS NULL) AS valid, count(*) FILTER (WHERE reason IS NOT NULL) AS rejected,
           count(*) AS records
    FROM staged
),
in_file AS (SELECT coalesce(sum(earlier_copies), 0) AS duplicates FROM repeated),
stored AS (
    SELECT count(*) FILTER (WHERE status = 'duplicate') AS duplicate, count(*) FILTER (WHERE status = 'updated') AS updated
    FROM stored_status
)
SELECT records, rejected, duplicates AS duplicates_in_file,
       valid - duplicates - duplicate - updated AS new_rows, duplicate AS duplicate_rows, updated AS updated_rows
FROM valid, in_file, stored

-- Counts for the ingest summary: records read, and how many of each outcome. Every record has
-- one: rejected, a copy another copy in the file won over (the same: duplicate; different:
-- conflicting), or its session's winning copy (new, duplicate, updated, or older than the stored one).
WITH valid AS (
    SELECT count(*) FILTER (WHERE reason IS NULL) AS valid, count(*) FILTER (WHERE reason IS NOT NULL) AS rejected,
           count(*) AS records
    FROM staged
),
in_file AS (
    SELECT coalesce(sum(identical_copies), 0) AS duplicates, coalesce(sum(conflicting_copies), 0) AS conflicting
    FROM repeated
),
stored AS (
    SELECT count(*) FILTER (WHERE status = 'duplicate') AS duplicate, count(*) FILTER (WHERE status = 'updated') AS updated,
           count(*) FILTER (WHERE status = 'older') AS older
    FROM stored_status
)
SELECT records, rejected, duplicates AS duplicates_in_file, conflicting AS conflicting_rows,
       valid - duplicates - conflicting - duplicate - updated - older AS new_rows, duplicate AS duplicate_rows,
       updated AS updated_rows, older AS older_rows
FROM valid, in_file, stored

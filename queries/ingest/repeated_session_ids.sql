-- Session ids a file holds more than once among its valid records, with the position of the
-- last copy (the one that wins) and how many earlier copies it replaces. Usually empty: one
-- hash aggregate over the staged rows instead of a window that sorts every record.
CREATE OR REPLACE TEMP TABLE repeated AS
SELECT session_id, max(position) AS last_position, count(*) - 1 AS earlier_copies
FROM staged WHERE reason IS NULL
GROUP BY session_id HAVING count(*) > 1

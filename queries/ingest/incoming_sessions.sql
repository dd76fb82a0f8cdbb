-- The valid staged rows, one per session id (the last one in the file wins). A view, not a
-- copy: the staged rows are the one materialised copy of the file (repeated_session_ids.sql).
-- A plain left join: a NOT EXISTS with the position inequality became a delim join that
-- copied and grouped every staged row, each time the view was read.
CREATE OR REPLACE TEMP VIEW incoming AS
SELECT s.* FROM staged s LEFT JOIN repeated r ON r.session_id = s.session_id
WHERE s.reason IS NULL AND (r.last_position IS NULL OR r.last_position = s.position)

-- The valid staged rows, one per session id (the copy repeated_session_ids.sql found to win). A view,
-- not a copy: the staged rows are the one materialised copy of the file.
-- A plain left join: a NOT EXISTS with the position inequality became a delim join that
-- copied and grouped every staged row, each time the view was read.
CREATE OR REPLACE TEMP VIEW incoming AS
SELECT s.* FROM staged s LEFT JOIN repeated r ON r.session_id = s.session_id
WHERE s.reason IS NULL AND (r.winner_position IS NULL OR r.winner_position = s.position)

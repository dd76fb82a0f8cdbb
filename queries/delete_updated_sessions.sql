-- Sessions whose content changed are replaced whole (insert_incoming_sessions.sql adds them back).
DELETE FROM sessions WHERE session_id IN (SELECT session_id FROM incoming WHERE status = 'updated')

-- Sessions whose content changed are replaced whole (insert_incoming_sessions.sql adds them back).
-- Keyed on installation and id: nothing of another installation is ever deleted.
DELETE FROM sessions
WHERE installation_id = $installation_id
  AND session_id IN (SELECT session_id FROM stored_status WHERE status = 'updated')

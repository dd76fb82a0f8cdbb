-- Record a corrected start for a session. Append-only: the session row and earlier corrections
-- are never changed; the newest correction applies (view latest_session_corrections).
INSERT INTO session_corrections (session_id, corrected_start, corrected_by, corrected_at, note)
VALUES ($session_id, $corrected_start, $corrected_by, now(), $note)

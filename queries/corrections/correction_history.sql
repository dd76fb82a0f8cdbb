-- Every correction recorded for one session, newest first (who, when, what, why).
SELECT corrected_start, corrected_by, corrected_at, note
FROM session_corrections
WHERE session_id = $session_id
ORDER BY corrected_at DESC

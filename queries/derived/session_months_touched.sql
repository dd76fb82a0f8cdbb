-- The local months whose monthly sums (session_months) an ingest changes, for one installation:
-- those of the stored sessions it is about to replace ($import_id NULL), or those of the sessions
-- it stored ($import_id).
SELECT coalesce(list(DISTINCT date_trunc('month', started_local)::DATE), [])
FROM sessions
WHERE installation_id = $installation_id
  AND CASE WHEN $import_id IS NULL THEN session_id IN (SELECT session_id FROM stored_status WHERE status = 'updated')
           ELSE import_id = $import_id END

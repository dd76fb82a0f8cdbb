-- What an ingest changes in one installation's derived tables, from one read of the sessions it
-- changes: the stored ones it is about to replace ($import_id NULL), or the ones it stored ($import_id).
--   months:         the local months whose monthly sums (session_months) are summed again;
--   overlaps_since: per station, the first start from which the overlapping sessions (session_overlaps)
--                   are found again (every later session on the station is looked at).
WITH changed AS (
    SELECT station_id, started_at, started_local, void, time_unreliable
    FROM sessions
    WHERE installation_id = $installation_id
      AND CASE WHEN $import_id IS NULL THEN session_id IN (SELECT session_id FROM stored_status WHERE status = 'updated')
               ELSE import_id = $import_id END
)
SELECT (SELECT coalesce(list(DISTINCT date_trunc('month', started_local)::DATE), []) FROM changed) AS months,
       (SELECT coalesce(list({'station_id': station_id, 'since': since}), [])
        FROM (SELECT station_id, min(started_at) AS since FROM changed
              WHERE NOT void AND NOT time_unreliable  -- (the overlaps' rule counts no other session)
              GROUP BY station_id)) AS overlaps_since

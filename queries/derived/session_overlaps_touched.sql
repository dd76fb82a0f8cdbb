-- For each station, the first start whose overlap (session_overlaps) an ingest may change, for one
-- installation: that of the stored sessions it is about to replace ($import_id NULL), or that of the
-- sessions it stored ($import_id). Every later session on the station is looked at again.
SELECT coalesce(list({'station_id': station_id, 'since': since}), [])
FROM (SELECT station_id, min(started_at) AS since
      FROM sessions
      WHERE installation_id = $installation_id AND NOT void AND NOT time_unreliable  -- (the rule counts no other)
        AND CASE WHEN $import_id IS NULL THEN session_id IN (SELECT session_id FROM stored_status WHERE status = 'updated')
                 ELSE import_id = $import_id END
      GROUP BY station_id)

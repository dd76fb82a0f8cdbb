-- Every connection as the app shows it: never the secret. The last run and the last
-- successful run say whether it is due and whether it is healthy.
SELECT c.connection_id, c.provider, c.label, c.api_url, c.cloud_ids, c.backfill_from, c.window_days,
       c.interval_minutes, c.enabled,
       max(r.started_at) AS last_started,
       max(r.finished_at) FILTER (WHERE r.error IS NULL AND r.finished_at IS NOT NULL) AS last_success,
       arg_max(r.error, r.started_at) AS last_error
FROM connections c LEFT JOIN sync_runs r USING (connection_id)
GROUP BY ALL
ORDER BY c.connection_id

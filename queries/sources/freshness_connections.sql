-- Each enabled connection's health: its newest run (and whether it failed), its newest
-- successful run, and how often it should run.
SELECT c.connection_id, c.provider, c.label, c.interval_minutes, c.created_at,
       arg_max(r.error, r.run_id) AS last_error,
       max(r.started_at) AS last_started,
       max(r.finished_at) FILTER (WHERE r.error IS NULL AND r.finished_at IS NOT NULL) AS last_success
FROM connections c LEFT JOIN sync_runs r USING (connection_id)
WHERE c.enabled
GROUP BY ALL
ORDER BY c.connection_id

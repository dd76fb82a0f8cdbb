-- Up to when a cloud installation has been read completely: the end of its last
-- successful sync's window (NULL before the first).
SELECT max(window_to) FROM sync_runs
WHERE provider = $provider AND cloud_id = $cloud_id AND error IS NULL AND finished_at IS NOT NULL

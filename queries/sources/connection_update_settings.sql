-- What a connection syncs and how often (never its secret).
UPDATE connections
SET cloud_ids = $cloud_ids, backfill_from = $backfill_from, window_days = $window_days,
    interval_minutes = $interval_minutes, enabled = $enabled
WHERE connection_id = $connection_id

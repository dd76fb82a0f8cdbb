-- Only the sync reads this: one connection's settings and its encrypted login.
SELECT provider, api_url, secret, cloud_ids, backfill_from, window_days FROM connections
WHERE connection_id = $connection_id

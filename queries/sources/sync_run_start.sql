INSERT INTO sync_runs (run_id, connection_id, provider, cloud_id, installation_id, window_from, window_to, started_at)
VALUES (nextval('sync_run_id_seq'), $connection_id, $provider, $cloud_id, $installation_id, $window_from,
        $window_to, now())
RETURNING run_id

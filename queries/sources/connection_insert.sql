-- A new charger-cloud connection; the secret is already encrypted.
INSERT INTO connections (connection_id, provider, label, api_url, secret, cloud_ids, backfill_from, window_days,
                         interval_minutes, enabled, created_by, created_at)
VALUES (nextval('connection_id_seq'), $provider, $label, $api_url, $secret, $cloud_ids, $backfill_from,
        $window_days, $interval_minutes, true, $created_by, now())
RETURNING connection_id

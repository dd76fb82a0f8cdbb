-- Every installation with its stations, where its data comes from, and its last sync.
SELECT i.installation_id, i.name, i.time_zone,
       (SELECT count(*) FROM stations st WHERE st.installation_id = i.installation_id) AS stations,
       (SELECT count(*) FROM scoped_sessions($see_all, $user_ids, $station_ids, $dwellings) s
        WHERE s.installation_id = i.installation_id) AS sessions,
       (SELECT count(*) FROM imports m WHERE m.installation_id = i.installation_id) AS imports,
       (SELECT string_agg(DISTINCT c.provider || ' ' || coalesce(c.cloud_name, c.cloud_id), ', ')
        FROM cloud_installations c WHERE c.installation_id = i.installation_id) AS connected_to,
       (SELECT max(r.finished_at) FROM sync_runs r
        WHERE r.installation_id = i.installation_id AND r.error IS NULL AND r.finished_at IS NOT NULL) AS last_sync,
       (SELECT arg_max(r.error, r.run_id) FROM sync_runs r WHERE r.installation_id = i.installation_id) AS last_sync_error
FROM installations i
ORDER BY i.name

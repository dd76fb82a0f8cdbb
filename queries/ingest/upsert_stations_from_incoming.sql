-- Stations as the newest record in the feed names them (not a copy older than the stored one:
-- an old export does not undo a rename). A station stays in its installation:
-- validate_staged_sessions.sql rejects a record that names another installation's station.
INSERT INTO stations (station_id, device_id, name, installation_id)
SELECT station_id, arg_max(device_id, position), arg_max(station_name, position), $installation_id
FROM incoming i
WHERE NOT EXISTS (SELECT 1 FROM stored_status k WHERE k.session_id = i.session_id AND k.status = 'older')
GROUP BY station_id
ON CONFLICT (station_id) DO UPDATE SET
    device_id = coalesce(excluded.device_id, stations.device_id),
    name = coalesce(excluded.name, stations.name)

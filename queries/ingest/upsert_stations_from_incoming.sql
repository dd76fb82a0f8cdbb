-- Stations as the newest record in the feed names them (not a copy older than the stored one:
-- an old export does not undo a rename). A station stays in its installation:
-- validate_staged_sessions.sql rejects a record that names another installation's station.
-- A stored serial is kept: a charger owner's scope may name it, so a change is an explicit, logged
-- act (`python -m chargeboard station set-serial`); stations_keeping_their_serial.sql reports it.
INSERT INTO stations (station_id, device_id, name, installation_id)
SELECT station_id, arg_max(device_id, position), arg_max(station_name, position), $installation_id
FROM incoming i
WHERE NOT EXISTS (SELECT 1 FROM stored_status k WHERE k.session_id = i.session_id AND k.status = 'older')
GROUP BY station_id
ON CONFLICT (station_id) DO UPDATE SET
    device_id = coalesce(stations.device_id, excluded.device_id),
    name = coalesce(excluded.name, stations.name)

-- One installation's charging stations with the charger's serial.
SELECT station_id, device_id AS serial, name FROM stations WHERE installation_id = $installation_id
ORDER BY coalesce(name, station_id)

-- Stations a charger owner's account names, by the feed's station id or the charger's serial.
SELECT station_id FROM stations
WHERE list_contains($keys, station_id) OR list_contains($keys, device_id)
ORDER BY station_id

-- The explicit change of a station's serial (datasources.set_station_serial), logged beside it.
UPDATE stations SET device_id = $serial WHERE station_id = $station_id

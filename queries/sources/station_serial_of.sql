-- A station's stored serial (None: no serial), or no row for an unknown station.
SELECT device_id FROM stations WHERE station_id = $station_id

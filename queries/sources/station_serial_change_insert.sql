-- Who changed which station's serial, when, from what to what.
INSERT INTO station_serial_changes (changed_at, station_id, old_serial, new_serial, changed_by)
VALUES (now(), $station_id, $old_serial, $serial, $changed_by)

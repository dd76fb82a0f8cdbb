INSERT INTO meter_readings (meter_id, read_at, register_kwh, replacement, source, import_id, entered_by, entered_at)
VALUES ($meter_id, $read_at, $register_kwh, $replacement, $source, $import_id, $entered_by, now())

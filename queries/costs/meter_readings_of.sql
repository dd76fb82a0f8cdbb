-- One meter's stored readings in time order (at the same instant, the old meter's last
-- reading comes before the new meter's first: replacement sorts last).
SELECT read_at, register_kwh, replacement, source
FROM meter_readings WHERE meter_id = $meter_id
ORDER BY read_at, replacement

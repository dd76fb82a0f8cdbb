-- One meter's stored interval readings (chargeboard/pricing/intervals.py checks a file's rows against them).
SELECT starts_at, ends_at, kwh FROM meter_intervals WHERE meter_id = $meter_id ORDER BY starts_at

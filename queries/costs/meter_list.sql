-- Every meter with its installation and the span of its readings.
SELECT m.meter_id, m.installation_id, i.name AS installation, i.time_zone,
       count(r.read_at) AS readings, min(r.read_at) AS first_read_at, max(r.read_at) AS last_read_at
FROM meters m JOIN installations i USING (installation_id)
LEFT JOIN meter_readings r USING (meter_id)
GROUP BY ALL
ORDER BY i.name, m.meter_id

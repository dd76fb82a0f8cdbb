-- Installations that have a meter, with their meters.
SELECT i.installation_id, i.name, i.time_zone, list(m.meter_id ORDER BY m.meter_id) AS meters
FROM installations i JOIN meters m USING (installation_id)
GROUP BY ALL ORDER BY i.name

SELECT m.meter_id, m.installation_id, i.name, i.time_zone
FROM meters m JOIN installations i USING (installation_id)
WHERE m.meter_id = $meter_id

-- Every reading of the meters of one installation, meter by meter, in time order.
SELECT r.meter_id, r.read_at, r.register_kwh, r.replacement, r.source, r.entered_by
FROM meter_readings r JOIN meters m USING (meter_id)
WHERE m.installation_id = $installation_id
ORDER BY r.meter_id, r.read_at, r.replacement

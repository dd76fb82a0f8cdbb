-- Ties a meter to its installation the first time it is seen; an existing tie is kept.
INSERT INTO meters (meter_id, installation_id) VALUES ($meter_id, $installation_id)
ON CONFLICT (meter_id) DO NOTHING

INSERT INTO installations (installation_id, name, time_zone) VALUES ($installation_id, $name, $time_zone)
ON CONFLICT (installation_id) DO NOTHING

INSERT INTO cloud_installations (provider, cloud_id, installation_id, cloud_name)
VALUES ($provider, $cloud_id, $installation_id, $cloud_name)
ON CONFLICT (provider, cloud_id) DO NOTHING

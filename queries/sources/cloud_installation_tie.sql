-- Tie a cloud installation (Zaptec) or site (Easee) to one of our installations, or re-tie it.
INSERT INTO cloud_installations (provider, cloud_id, installation_id, cloud_name)
VALUES ($provider, $cloud_id, $installation_id, $cloud_name)
ON CONFLICT (provider, cloud_id) DO UPDATE SET installation_id = excluded.installation_id,
                                               cloud_name = excluded.cloud_name

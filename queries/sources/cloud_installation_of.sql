SELECT installation_id FROM cloud_installations WHERE provider = $provider AND cloud_id = $cloud_id

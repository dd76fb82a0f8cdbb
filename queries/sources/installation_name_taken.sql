SELECT installation_id FROM installations WHERE installation_id = $installation_id OR lower(name) = lower($installation_name)

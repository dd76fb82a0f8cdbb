SELECT installation_id, name, time_zone FROM installations ORDER BY name

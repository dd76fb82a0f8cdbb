SELECT installation_id, name, time_zone FROM installations WHERE installation_id = $installation_id

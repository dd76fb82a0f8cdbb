-- Every installation, for choosing where a dwelling is.
SELECT installation_id, name, time_zone FROM installations ORDER BY name, installation_id

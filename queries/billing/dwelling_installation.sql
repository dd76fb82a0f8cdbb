-- The installation a dwelling belongs to, named by its id or (case-insensitively) by its name.
SELECT installation_id, name, time_zone FROM installations
WHERE installation_id = $key OR lower(name) = lower($key)
ORDER BY installation_id = $key DESC
LIMIT 1

UPDATE installations SET name = $name WHERE installation_id = $installation_id

UPDATE connections SET secret = $secret WHERE connection_id = $connection_id

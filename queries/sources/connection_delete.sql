DELETE FROM connections WHERE connection_id = $connection_id

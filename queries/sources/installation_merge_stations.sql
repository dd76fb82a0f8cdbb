-- Merging two installations: stations of $source_id become $into_id's (chargeboard.datasources.merge_installations).
UPDATE stations SET installation_id = $into_id WHERE installation_id = $source_id

-- Merging two installations: meters of $source_id become $into_id's (chargeboard.datasources.merge_installations).
UPDATE meters SET installation_id = $into_id WHERE installation_id = $source_id

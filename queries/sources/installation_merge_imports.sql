-- Merging two installations: imports of $source_id become $into_id's (chargeboard.datasources.merge_installations).
UPDATE imports SET installation_id = $into_id WHERE installation_id = $source_id

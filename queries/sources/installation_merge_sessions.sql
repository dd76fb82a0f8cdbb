-- Merging two installations: sessions of $source_id become $into_id's (chargeboard.datasources.merge_installations).
UPDATE sessions SET installation_id = $into_id WHERE installation_id = $source_id

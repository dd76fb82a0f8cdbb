-- Merging two installations: cloud_installations of $source_id become $into_id's (chargeboard.datasources.merge_installations).
UPDATE cloud_installations SET installation_id = $into_id WHERE installation_id = $source_id

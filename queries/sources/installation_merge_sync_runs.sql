-- Merging two installations: sync_runs of $source_id become $into_id's (chargeboard.datasources.merge_installations).
UPDATE sync_runs SET installation_id = $into_id WHERE installation_id = $source_id

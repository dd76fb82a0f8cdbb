-- An installation merged into another: nothing refers to it any more.
DELETE FROM installations WHERE installation_id = $installation_id

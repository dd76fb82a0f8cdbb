-- When data last arrived: the newest finished import (any file, upload or sync; not spot prices, whose
-- own line is the Tariffs page's: a daily price fetch says nothing of the sessions) and the
-- newest successful sync run.
SELECT (SELECT max(finished_at) FROM imports WHERE format NOT IN ('spot-json', 'entsoe-xml')) AS last_import,
       (SELECT max(finished_at) FROM sync_runs WHERE error IS NULL AND finished_at IS NOT NULL) AS last_sync

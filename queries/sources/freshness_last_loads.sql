-- When data last arrived: the newest finished import (any file, upload or sync) and the
-- newest successful sync run.
SELECT (SELECT max(finished_at) FROM imports) AS last_import,
       (SELECT max(finished_at) FROM sync_runs WHERE error IS NULL AND finished_at IS NOT NULL) AS last_sync

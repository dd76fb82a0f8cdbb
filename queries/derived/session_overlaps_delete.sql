-- Forget the overlaps about to be found again (session_overlaps_insert.sql, same $since): on each
-- station of $since, those of sessions starting at or after its time. ($from, the earliest of the
-- times, lets the scan skip row groups that start before it.)
DELETE FROM session_overlaps o
USING (SELECT t.station_id, min(t.since) AS since
       FROM (SELECT unnest($since::STRUCT(station_id VARCHAR, since TIMESTAMPTZ)[], recursive := true)) t
       GROUP BY t.station_id) t
WHERE o.started_at >= $from AND o.station_id = t.station_id AND o.started_at >= t.since

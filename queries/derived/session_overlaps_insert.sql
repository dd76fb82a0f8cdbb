-- Find again the overlapping sessions that session_overlaps_delete.sql just forgot. The rule: a counted
-- session overlaps when an earlier session on its station (in start order, then id) that ends last
-- is still charging when it starts; of several that end last, the pair names the one that started
-- first (then the smallest id). A session whose clock was unreliable is left out (its times are not
-- when it charged). One running maximum over each station's sessions in start order, not a self-join
-- of every pair (millions at 10M sessions); then, for the sessions it flags, the earlier session by
-- its end.
-- Only the sessions from each station's time in $since are looked at again: of the ones before it,
-- only the latest end counts (`carried`), and only if it is after that time. $from (the earliest of
-- the times) lets the scan skip the row groups that end before it.
INSERT INTO session_overlaps
WITH since AS (
    SELECT t.station_id, min(t.since) AS since
    FROM (SELECT unnest($since::STRUCT(station_id VARCHAR, since TIMESTAMPTZ)[], recursive := true)) t
    GROUP BY t.station_id
),
counted AS (
    SELECT s.installation_id, s.station_id, s.session_id, s.started_at, s.ended_at, s.user_id,
           CASE WHEN $all_stations THEN NULL ELSE t.since END AS since
    FROM sessions s LEFT JOIN since t ON t.station_id = s.station_id
    WHERE NOT s.void AND NOT s.time_unreliable AND s.ended_at >= $from
      AND ($all_stations OR t.station_id IS NOT NULL)
),
looked_at AS (
    SELECT installation_id, station_id, session_id, started_at, ended_at, user_id, true AS again
    FROM counted WHERE since IS NULL OR started_at >= since
    UNION ALL
    SELECT NULL, station_id, NULL, max(started_at), max(ended_at), NULL, false  -- (its start: any before `since`)
    FROM counted WHERE started_at < since AND ended_at > since
    GROUP BY station_id
),
flagged AS (
    SELECT * FROM (
        SELECT *, max(ended_at) OVER (PARTITION BY station_id ORDER BY started_at, session_id
                                      ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS latest_end
        FROM looked_at)
    WHERE again AND started_at < latest_end
),
paired AS (
    SELECT f.installation_id, f.station_id, f.session_id, f.started_at, f.ended_at, f.user_id,
           arg_min({'session_id': e.session_id, 'started_at': e.started_at, 'user_id': e.user_id},
                   {'started_at': e.started_at, 'session_id': e.session_id}) AS a
    FROM flagged f
    JOIN counted e ON e.station_id = f.station_id AND e.ended_at = f.latest_end
     AND (e.started_at < f.started_at OR (e.started_at = f.started_at AND e.session_id < f.session_id))
    GROUP BY ALL
)
SELECT installation_id, station_id, session_id, started_at, user_id, a.session_id, a.started_at, a.user_id
FROM paired
WHERE a.started_at < ended_at

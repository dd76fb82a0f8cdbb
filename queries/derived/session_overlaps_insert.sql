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
first_ending AS (  -- of a station's sessions that end at one instant, the first in start order (then id):
                   -- one row each, so a feed of thousands of sessions with the same times joins once, not
                   -- each with every other
    SELECT e.station_id, e.ended_at,
           arg_min({'session_id': e.session_id, 'started_at': e.started_at, 'user_id': e.user_id},
                   {'started_at': e.started_at, 'session_id': e.session_id}) AS a
    FROM counted e
    SEMI JOIN (SELECT DISTINCT station_id, latest_end FROM flagged) f
           ON f.station_id = e.station_id AND f.latest_end = e.ended_at
    GROUP BY e.station_id, e.ended_at
)
-- (That first one is always earlier than the session it pairs with: one earlier session ends then.)
SELECT f.installation_id, f.station_id, f.session_id, f.started_at, f.user_id, x.a.session_id, x.a.started_at,
       x.a.user_id
FROM flagged f
JOIN first_ending x ON x.station_id = f.station_id AND x.ended_at = f.latest_end
WHERE x.a.started_at < f.ended_at

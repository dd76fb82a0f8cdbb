-- Anomaly: an RFID tag used by more than one user (a shared or lent tag, or a tag re-issued).
-- One row per tag and user, so the drill-down shows who used it, how often and when. Which tags
-- are shared is read from the monthly sums (a row per tag, user, station and month; the same
-- sessions: not void), so only those tags' sessions are read: 3.4 s at 10M sessions when every
-- session was grouped by its tag.
WITH shared AS (
    SELECT tag FROM scoped_session_months($see_all, $user_ids, $station_ids, $dwellings)
    WHERE tag IS NOT NULL AND user_id IS NOT NULL
    GROUP BY tag HAVING count(DISTINCT user_id) > 1
),
s AS (
    SELECT * FROM scoped_sessions($see_all, $user_ids, $station_ids, $dwellings)
    WHERE NOT void AND tag IS NOT NULL AND user_id IS NOT NULL AND tag IN (SELECT tag FROM shared)
)
SELECT s.tag, coalesce(u.name, u.email, s.user_id) AS user_name, count(*) AS sessions,
       sum(s.energy_kwh)::DECIMAL(18, 3) AS energy_kwh, min(s.started_local) AS first_used,
       max(s.started_local) AS last_used
FROM s LEFT JOIN users u USING (user_id)
GROUP BY s.tag, s.user_id, u.name, u.email
ORDER BY s.tag, first_used

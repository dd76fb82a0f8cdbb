-- Anomaly: an RFID tag used by more than one user (a shared or lent tag, or a tag re-issued).
-- One row per tag and user, so the drill-down shows who used it, how often and when.
WITH s AS (
    SELECT * FROM scoped_sessions($see_all, $user_ids, $station_ids)
    WHERE NOT void AND tag IS NOT NULL AND user_id IS NOT NULL
),
shared AS (
    SELECT tag FROM s GROUP BY tag HAVING count(DISTINCT user_id) > 1
)
SELECT s.tag, coalesce(u.name, u.email, s.user_id) AS user_name, count(*) AS sessions,
       sum(s.energy_kwh)::DECIMAL(18, 3) AS energy_kwh, min(s.started_local) AS first_used,
       max(s.started_local) AS last_used
FROM s JOIN shared USING (tag) LEFT JOIN users u USING (user_id)
GROUP BY s.tag, s.user_id, u.name, u.email
ORDER BY s.tag, first_used

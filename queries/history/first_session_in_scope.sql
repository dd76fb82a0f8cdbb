-- The first local day with a counted session of reliable time, within the caller's scope (and
-- installations, when given): where "All time" starts and what tells a comparison that its
-- period is only partly covered by data. A clock reset to 2000-01-01 (time unreliable) is not a start.
-- The monthly sums name the first month with such a session, so only that month's sessions are read.
WITH first_month AS (
    SELECT min(m.month) AS month FROM scoped_session_months($see_all, $user_ids, $station_ids, $dwellings) m
    WHERE m.session_count > m.unreliable_sessions
      AND (len($installation_filter) = 0 OR list_contains($installation_filter, m.installation_id))
)
SELECT min(s.started_local)::DATE AS first_day
FROM scoped_sessions($see_all, $user_ids, $station_ids, $dwellings) s
WHERE NOT s.void AND NOT s.time_unreliable
  AND s.started_local >= (SELECT month FROM first_month)
  AND s.started_local < (SELECT month FROM first_month) + INTERVAL 1 MONTH
  AND (len($installation_filter) = 0 OR list_contains($installation_filter, s.installation_id))

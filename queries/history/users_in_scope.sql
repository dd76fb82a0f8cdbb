-- Users the caller may filter by: those with a session in scope ('' = sessions with no user). Counted
-- sessions are read from the monthly sums, void ones from the sessions (as stations_in_scope.sql).
SELECT coalesce(s.user_id, '') AS user_id,
       CASE WHEN s.user_id IS NULL THEN '(no user — open charging)'
            ELSE coalesce(any_value(u.name), any_value(u.email), s.user_id) END AS label
FROM (SELECT user_id FROM scoped_session_months($see_all, $user_ids, $station_ids, $dwellings)
      UNION SELECT user_id FROM scoped_sessions($see_all, $user_ids, $station_ids, $dwellings) WHERE void) s
LEFT JOIN users u USING (user_id)
GROUP BY s.user_id
ORDER BY s.user_id IS NULL, label

-- RFID tags the caller may filter by: those used in a session in scope ('' = no tag). Counted
-- sessions are read from the monthly sums, void ones from the sessions (as stations_in_scope.sql).
SELECT coalesce(tag, '') AS tag, coalesce(tag, '(no tag)') AS label
FROM (SELECT tag FROM scoped_session_months($see_all, $user_ids, $station_ids, $dwellings)
      UNION SELECT tag FROM scoped_sessions($see_all, $user_ids, $station_ids, $dwellings) WHERE void)
ORDER BY tag IS NULL, tag

-- The feed users, RFID tags and stations an installation's sessions name (for attaching one to a
-- dwelling), read from the monthly sums through the scope: kind, id, a name to show.
SELECT DISTINCT 'station' AS kind, s.station_id AS member_id, coalesce(st.name, st.device_id, s.station_id) AS shown
FROM scoped_session_months($see_all, $user_ids, $station_ids, $dwellings) s LEFT JOIN stations st USING (station_id)
WHERE s.installation_id = $installation_id
UNION
SELECT DISTINCT 'user', s.user_id, coalesce(u.name, u.email, s.user_id)
FROM scoped_session_months($see_all, $user_ids, $station_ids, $dwellings) s LEFT JOIN users u USING (user_id)
WHERE s.installation_id = $installation_id AND s.user_id IS NOT NULL
UNION
SELECT DISTINCT 'tag', s.tag, s.tag
FROM scoped_session_months($see_all, $user_ids, $station_ids, $dwellings) s
WHERE s.installation_id = $installation_id AND s.tag IS NOT NULL
ORDER BY kind, shown, member_id

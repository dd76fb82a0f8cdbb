-- RFID tags the caller may filter by: those used in a session in scope ('' = no tag).
SELECT coalesce(tag, '') AS tag, coalesce(tag, '(no tag)') AS label
FROM (SELECT DISTINCT tag FROM scoped_sessions($see_all, $user_ids, $station_ids))
ORDER BY tag IS NULL, tag

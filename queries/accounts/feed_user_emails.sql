-- The Accounts page's e-mail picker: each feed e-mail in the caller's scope, the name the feed
-- gives it and the installations it charged in.
SELECT lower(trim(u.email)) AS email, any_value(u.name) AS name,
       string_agg(DISTINCT i.name, ', ' ORDER BY i.name) AS installations
FROM scoped_sessions($see_all, $user_ids, $station_ids, $dwellings) s
JOIN users u ON u.user_id = s.user_id
JOIN installations i ON i.installation_id = s.installation_id
WHERE trim(coalesce(u.email, '')) <> ''
GROUP BY 1
ORDER BY 2, 1

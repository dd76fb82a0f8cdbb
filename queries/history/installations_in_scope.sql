-- The installations whose sessions the caller may see (names the export files).
SELECT DISTINCT i.installation_id, i.name, i.time_zone
FROM scoped_sessions($see_all, $user_ids, $station_ids, $dwellings) s JOIN installations i USING (installation_id)
ORDER BY i.name

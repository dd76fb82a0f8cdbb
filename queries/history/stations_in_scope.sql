-- Stations the caller may filter by: those with a session in scope.
SELECT st.station_id, coalesce(st.name, st.device_id, st.station_id) AS label, st.device_id, i.name AS installation,
       i.installation_id
FROM stations st JOIN installations i USING (installation_id)
WHERE st.station_id IN (SELECT DISTINCT station_id FROM scoped_sessions($see_all, $user_ids, $station_ids))
ORDER BY i.name, label

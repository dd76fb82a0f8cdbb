-- Stations the caller may filter by: those with a session in scope. Counted sessions are read from
-- the monthly sums (10^5 rows where the sessions are 10^7), void ones (which the history may show)
-- from the sessions.
SELECT st.station_id, coalesce(st.name, st.device_id, st.station_id) AS label, st.device_id, i.name AS installation,
       i.installation_id
FROM stations st JOIN installations i USING (installation_id)
WHERE st.station_id IN (SELECT station_id FROM scoped_session_months($see_all, $user_ids, $station_ids, $dwellings)
                        UNION SELECT station_id FROM scoped_sessions($see_all, $user_ids, $station_ids, $dwellings) WHERE void)
ORDER BY i.name, label

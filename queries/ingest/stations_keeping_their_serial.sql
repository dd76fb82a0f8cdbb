-- Stations whose newest record in this file names a serial other than the stored one, which is kept
-- (upsert_stations_from_incoming.sql): the import summary says so, and how to change it.
SELECT f.station_id, st.device_id AS stored_serial, f.device_id AS file_serial
FROM (SELECT station_id, arg_max(device_id, position) FILTER (WHERE device_id IS NOT NULL) AS device_id
      FROM incoming GROUP BY station_id) AS f
JOIN stations AS st USING (station_id)
WHERE f.device_id IS NOT NULL AND st.device_id IS DISTINCT FROM f.device_id
ORDER BY f.station_id

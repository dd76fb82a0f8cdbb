-- The counted sessions of [$local_from, $local_to) (local times, dated as statements date them) that belong
-- to no dwelling on their statement day (dwelling_of in schema.sql), per installation, station, feed user
-- and RFID tag: listed, never dropped. One installation, or every one ($installation_id NULL).
WITH dated AS (
    SELECT s.installation_id, s.station_id, s.user_id, s.tag, s.energy_kwh,
           statement_day(s.started_local, s.registered_local, s.time_unreliable) AS day
    FROM scoped_sessions_dated($see_all, $user_ids, $station_ids, $dwellings, $local_from, $local_to) s
    WHERE NOT s.void AND ($installation_id IS NULL OR s.installation_id = $installation_id)
)
SELECT d.installation_id, i.name AS installation, d.station_id, st.name AS station_name, d.user_id,
       u.name AS user_name, d.tag, count(*) AS sessions, sum(d.energy_kwh) AS energy_kwh,
       min(d.day) AS first_day, max(d.day) AS last_day
FROM dated d
LEFT JOIN installations i ON i.installation_id = d.installation_id
LEFT JOIN stations st ON st.station_id = d.station_id
LEFT JOIN users u ON u.user_id = d.user_id
WHERE dwelling_of(d.installation_id, d.station_id, d.user_id, d.tag, d.day) IS NULL
GROUP BY ALL
ORDER BY installation, d.station_id, d.user_id NULLS LAST, d.tag NULLS LAST

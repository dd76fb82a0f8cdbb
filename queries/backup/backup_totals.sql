-- What a backup's store holds, total by total, for checking a copy against its archive's manifest
-- (read in the system scope: every session, void ones too, as stored): sessions and kWh per station,
-- per user and per local month of its installation; the rejected rows; the imports and their
-- records; the meter readings; the exports log. Text, so the manifest keeps kWh exact.
SELECT 'sessions' AS total, '' AS station_id, '' AS user_id, '' AS month,
       count(*) AS n, coalesce(sum(energy_kwh), 0)::VARCHAR AS kwh
FROM scoped_sessions($see_all, $user_ids, $station_ids, $dwellings)
UNION ALL
SELECT 'kwh_by_station_user_month', station_id, coalesce(user_id, ''), strftime(started_local, '%Y-%m'),
       count(*), sum(energy_kwh)::VARCHAR
FROM scoped_sessions($see_all, $user_ids, $station_ids, $dwellings)
GROUP BY ALL
UNION ALL
SELECT 'rejected_rows', '', '', '', count(*), '' FROM rejected_rows
UNION ALL
SELECT 'imports', '', '', '', count(*), coalesce(sum(records), 0)::VARCHAR FROM imports
UNION ALL
SELECT 'meter_readings', '', '', '', count(*), '' FROM meter_readings
UNION ALL
SELECT 'exports', '', '', '', count(*), '' FROM exports
ORDER BY ALL

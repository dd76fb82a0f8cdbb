-- Per charging station in scope: sessions, kWh and hours occupied within [$local_from, $local_to).
-- Stations in scope with no session in the period are listed with zeros (the board wants to see
-- idle stations). Occupancy is the session's real span (corrected start when $use_corrected),
-- clipped to the period; overlapping sessions on one station may push it above the hours available,
-- which the caller caps at 100 %.
WITH dated AS (
    SELECT s.*,
           attributed_local(s.started_local, NULL, c.corrected_start, 'start', $use_corrected) AS occupied_from
    FROM scoped_sessions($see_all, $user_ids, $station_ids) s
    LEFT JOIN latest_session_corrections c USING (session_id)
    WHERE NOT s.void
      AND (len($installation_filter) = 0 OR list_contains($installation_filter, s.installation_id))
),
spans AS (
    SELECT station_id, installation_id, energy_kwh, occupied_from, occupied_from + (ended_at - started_at) AS occupied_to
    FROM dated
),
per_station AS (
    SELECT station_id, any_value(installation_id) AS installation_id,
           count(*) FILTER (WHERE occupied_from >= $local_from AND occupied_from < $local_to) AS sessions,
           coalesce(sum(energy_kwh) FILTER (WHERE occupied_from >= $local_from AND occupied_from < $local_to), 0)
               ::DECIMAL(18, 3) AS energy_kwh,
           coalesce(sum(greatest(0, epoch(least(occupied_to, $local_to)) - epoch(greatest(occupied_from, $local_from))))
                    FILTER (WHERE occupied_from < $local_to AND occupied_to > $local_from), 0) / 3600.0 AS occupied_hours
    FROM spans
    GROUP BY station_id
)
SELECT p.station_id, coalesce(st.name, st.device_id, p.station_id) AS station, st.device_id,
       i.name AS installation, p.sessions, p.energy_kwh, p.occupied_hours
FROM per_station p
LEFT JOIN stations st USING (station_id)
LEFT JOIN installations i ON i.installation_id = p.installation_id
ORDER BY p.occupied_hours DESC, station

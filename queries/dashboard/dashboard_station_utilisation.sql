-- Per charging station in scope: sessions, kWh and hours occupied within [$local_from, $local_to).
-- Stations in scope with no session in the period are listed with zeros (the board wants to see
-- idle stations). Occupancy is the session's real span (corrected start when $use_corrected),
-- clipped to the period, in epoch seconds; overlapping sessions on one station may push it above the
-- hours available, which the caller caps at 100 %.
WITH in_scope AS (  -- stations with a counted session ever, from the monthly sums
    SELECT m.station_id, any_value(m.installation_id) AS installation_id
    FROM scoped_session_months($see_all, $user_ids, $station_ids, $dwellings) m
    WHERE len($installation_filter) = 0 OR list_contains($installation_filter, m.installation_id)
    GROUP BY m.station_id
),
spans AS (
    SELECT s.station_id, s.energy_kwh,
           epoch(attributed_local(s.started_local, NULL, c.corrected_start, 'start', $use_corrected)) AS occupied_from,
           epoch(attributed_local(s.started_local, NULL, c.corrected_start, 'start', $use_corrected))
               + epoch(s.ended_at) - epoch(s.started_at) AS occupied_to
    -- only sessions that may count in or occupy the period (schema.sql says which)
    FROM scoped_sessions_around($see_all, $user_ids, $station_ids, $dwellings, $local_from, $local_to, 'start', $use_corrected) s
    -- joined only when asked for: the join reads every session's id (a string), a third of the cost
    LEFT JOIN latest_session_corrections c ON $use_corrected AND c.session_id = s.session_id
    WHERE NOT s.void
      AND (len($installation_filter) = 0 OR list_contains($installation_filter, s.installation_id))
),
per_station AS (
    SELECT station_id,
           count(*) FILTER (WHERE occupied_from >= epoch($local_from) AND occupied_from < epoch($local_to)) AS sessions,
           coalesce(sum(energy_kwh) FILTER (WHERE occupied_from >= epoch($local_from) AND occupied_from < epoch($local_to)), 0)
               ::DECIMAL(18, 3) AS energy_kwh,
           coalesce(sum(greatest(0, least(occupied_to, epoch($local_to)) - greatest(occupied_from, epoch($local_from))))
                    FILTER (WHERE occupied_from < epoch($local_to) AND occupied_to > epoch($local_from)), 0) / 3600.0
               AS occupied_hours
    FROM spans
    GROUP BY station_id
)
SELECT p.station_id, coalesce(st.name, st.device_id, p.station_id) AS station, st.device_id,
       i.name AS installation, coalesce(ps.sessions, 0) AS sessions,
       coalesce(ps.energy_kwh, 0)::DECIMAL(18, 3) AS energy_kwh, coalesce(ps.occupied_hours, 0.0) AS occupied_hours
FROM in_scope p
LEFT JOIN per_station ps USING (station_id)
LEFT JOIN stations st USING (station_id)
LEFT JOIN installations i ON i.installation_id = p.installation_id
ORDER BY occupied_hours DESC, station

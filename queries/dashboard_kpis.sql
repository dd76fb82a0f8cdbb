-- Board dashboard KPIs for one local-time period [$local_from, $local_to), within the caller's scope:
-- kWh, sessions, active users, station-hours occupied, and the number of stations in scope.
-- Sessions are dated by start (or by registration: $attribute_by = 'registered'); with
-- $use_corrected a date corrected by the system owner (session_corrections) wins over both.
-- Occupancy always uses the session's real span (corrected start + duration when chosen),
-- clipped to the period. Void sessions are never counted.
WITH dated AS (
    SELECT s.*,
           attributed_local(s.started_local, s.registered_local, c.corrected_start, $attribute_by, $use_corrected) AS period_local,
           attributed_local(s.started_local, NULL, c.corrected_start, 'start', $use_corrected) AS occupied_from
    FROM scoped_sessions($see_all, $user_ids, $station_ids) s
    LEFT JOIN latest_session_corrections c USING (session_id)
    WHERE NOT s.void
      AND (len($installation_filter) = 0 OR list_contains($installation_filter, s.installation_id))
),
spans AS (
    SELECT *, occupied_from + (ended_at - started_at) AS occupied_to,
           period_local >= $local_from AND period_local < $local_to AS in_period
    FROM dated
)
SELECT count(*) FILTER (WHERE in_period) AS sessions,
       coalesce(sum(energy_kwh) FILTER (WHERE in_period), 0)::DECIMAL(18, 3) AS energy_kwh,
       count(DISTINCT user_id) FILTER (WHERE in_period) AS active_users,
       coalesce(sum(greatest(0, epoch(least(occupied_to, $local_to)) - epoch(greatest(occupied_from, $local_from))))
                FILTER (WHERE occupied_from < $local_to AND occupied_to > $local_from), 0) / 3600.0 AS occupied_hours,
       count(DISTINCT station_id) AS stations
FROM spans

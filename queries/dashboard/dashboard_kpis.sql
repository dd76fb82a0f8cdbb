-- Board dashboard KPIs for one local-time period [$local_from, $local_to), within the caller's scope:
-- kWh, sessions, active users, station-hours occupied, and the number of stations in scope.
-- Sessions are dated by start (or by registration: $attribute_by = 'registered'); with
-- $use_corrected a date corrected by the system owner (session_corrections) wins over both.
-- Occupancy always uses the session's real span (corrected start + duration when chosen),
-- clipped to the period, in epoch seconds (interval arithmetic on every row costs seconds at 10M).
-- Void sessions are never counted.
WITH dated AS (
    SELECT s.user_id, s.energy_kwh,
           attributed_local(s.started_local, s.registered_local, c.corrected_start, $attribute_by, $use_corrected) AS period_local,
           epoch(attributed_local(s.started_local, NULL, c.corrected_start, 'start', $use_corrected)) AS occupied_from,
           epoch(s.ended_at) - epoch(s.started_at) AS span_seconds
    -- only sessions that may count in or occupy the period (schema.sql says which)
    FROM scoped_sessions_around($see_all, $user_ids, $station_ids, $local_from, $local_to, $attribute_by, $use_corrected) s
    -- joined only when asked for: the join reads every session's id (a string), a third of the cost
    LEFT JOIN latest_session_corrections c ON $use_corrected AND c.session_id = s.session_id
    WHERE NOT s.void
      AND (len($installation_filter) = 0 OR list_contains($installation_filter, s.installation_id))
),
spans AS (
    SELECT *, occupied_from + span_seconds AS occupied_to,
           period_local >= $local_from AND period_local < $local_to AS in_period
    FROM dated
)
SELECT count(*) FILTER (WHERE in_period) AS sessions,
       coalesce(sum(energy_kwh) FILTER (WHERE in_period), 0)::DECIMAL(18, 3) AS energy_kwh,
       count(DISTINCT user_id) FILTER (WHERE in_period) AS active_users,
       coalesce(sum(greatest(0, least(occupied_to, epoch($local_to)) - greatest(occupied_from, epoch($local_from))))
                FILTER (WHERE occupied_from < epoch($local_to) AND occupied_to > epoch($local_from)), 0) / 3600.0
           AS occupied_hours,
       -- stations with a counted session ever, from the monthly sums (a tenth of the rows or less)
       (SELECT count(DISTINCT m.station_id) FROM scoped_session_months($see_all, $user_ids, $station_ids) m
        WHERE len($installation_filter) = 0 OR list_contains($installation_filter, m.installation_id)) AS stations
FROM spans

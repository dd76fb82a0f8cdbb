-- Board dashboard KPIs for one local-time period [$local_from, $local_to), within the caller's scope:
-- kWh, sessions, active users, station-hours occupied, and the number of stations in scope.
-- Sessions are dated by start (or by registration: $attribute_by = 'registered'); with
-- $use_corrected a date corrected by the system owner (session_corrections) wins over both.
-- Occupancy always uses the session's real span (corrected start + duration when chosen),
-- clipped to the period, in epoch seconds (interval arithmetic on every row costs seconds at 10M).
-- Void sessions are never counted.
-- Whole local months [$whole_from, $whole_to) come from the monthly sums when sessions are dated by
-- start and no corrected date is used (a year of 10M sessions: three scans of 4M sessions took 4 s):
-- their sessions, kWh, users and full spans. A session of those months still plugged in after the
-- period has the part after it taken off (`spilled`); the days at the edges, and every day otherwise,
-- come from the sessions that may be dated into or occupy the period (scoped_sessions_around).
WITH dated AS (
    SELECT s.user_id, s.energy_kwh,
           attributed_local(s.started_local, s.registered_local, c.corrected_start, $attribute_by, $use_corrected) AS period_local,
           epoch(attributed_local(s.started_local, NULL, c.corrected_start, 'start', $use_corrected)) AS occupied_from,
           epoch(s.ended_at) - epoch(s.started_at) AS span_seconds
    -- only sessions that may count in or occupy the period (schema.sql says which)
    FROM scoped_sessions_around($see_all, $user_ids, $station_ids, $dwellings, $local_from, $local_to, $attribute_by, $use_corrected) s
    -- joined only when asked for: the join reads every session's id (a string), a third of the cost
    LEFT JOIN latest_session_corrections c ON $use_corrected AND c.session_id = s.session_id
    WHERE NOT s.void
      AND (len($installation_filter) = 0 OR list_contains($installation_filter, s.installation_id))
      AND NOT in_summed_months(s.started_local, $whole_from, $whole_to, $attribute_by, $use_corrected)
),
spans AS (
    SELECT *, occupied_from + span_seconds AS occupied_to,
           period_local >= $local_from AND period_local < $local_to AS in_period
    FROM dated
),
spilled AS (  -- sessions of the whole months that occupy a station past the period's end
    -- (ended_local is at most 26 h from the local start plus the span: schema.sql)
    SELECT epoch(s.started_local) + epoch(s.ended_at) - epoch(s.started_at) - epoch($local_to) AS seconds_after
    FROM scoped_sessions($see_all, $user_ids, $station_ids, $dwellings) s
    WHERE in_summed_months(s.started_local, $whole_from, $whole_to, $attribute_by, $use_corrected)
      AND s.ended_local > $local_to - INTERVAL 26 HOUR
      AND NOT s.void
      AND (len($installation_filter) = 0 OR list_contains($installation_filter, s.installation_id))
),
counted AS (  -- one row per session, monthly sum or spilled part, in the same shape
    SELECT CASE WHEN in_period THEN user_id END AS user_id,
           in_period::INTEGER AS session_count,
           CASE WHEN in_period THEN energy_kwh ELSE 0 END AS energy_kwh,
           CASE WHEN occupied_from < epoch($local_to) AND occupied_to > epoch($local_from)
                THEN greatest(0, least(occupied_to, epoch($local_to)) - greatest(occupied_from, epoch($local_from)))
                ELSE 0 END AS occupied_seconds
    FROM spans
    UNION ALL
    SELECT m.user_id, m.session_count, m.energy_kwh, m.charging_seconds
    FROM scoped_session_months($see_all, $user_ids, $station_ids, $dwellings) m
    WHERE in_summed_months(m.month, $whole_from, $whole_to, $attribute_by, $use_corrected)
      AND (len($installation_filter) = 0 OR list_contains($installation_filter, m.installation_id))
    UNION ALL
    SELECT NULL, 0, 0, -seconds_after FROM spilled WHERE seconds_after > 0
)
SELECT coalesce(sum(session_count), 0)::BIGINT AS sessions,
       coalesce(sum(energy_kwh), 0)::DECIMAL(18, 3) AS energy_kwh,
       count(DISTINCT user_id) AS active_users,
       coalesce(sum(occupied_seconds), 0) / 3600.0 AS occupied_hours,
       -- stations with a counted session ever, from the monthly sums (a tenth of the rows or less)
       (SELECT count(DISTINCT m.station_id) FROM scoped_session_months($see_all, $user_ids, $station_ids, $dwellings) m
        WHERE len($installation_filter) = 0 OR list_contains($installation_filter, m.installation_id)) AS stations
FROM counted

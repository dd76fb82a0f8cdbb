-- The chargers' energy per clock hour of one installation, in whole Wh, per user ('' = open charging),
-- for the hours starting in [$from_utc, $to_utc) (a local month of $time_zone; hours are UTC instants, so the autumn
-- night's repeated local hour is two hours). Void sessions never count; a session whose charger clock
-- was unreliable cannot be placed in hours and is left out (capacity_unplaced_sessions.sql counts them).
-- Each session takes one of two paths, as the statements' (statement_user_costs.sql):
--   details  with EnergyDetails: each hour's Energy, scaled so the hours add up to the session's kWh
--            (a running share of the list's own sum, rounded to the Wh; the last hour takes the rest);
--   even     the kWh spread evenly over the session's real duration, each hour's piece from wh_until,
--            so the pieces are whole Wh and add up to the session's Wh exactly.
-- The sessions are read in two disjoint branches of plain comparisons on stored columns (started in the
-- month; started before it and ended in or after its first hour), which DuckDB checks inside the scan.
WITH in_month AS (
    SELECT * FROM scoped_sessions($see_all, $user_ids, $station_ids)
    WHERE installation_id = $installation_id AND started_at >= $from_utc AND started_at < $to_utc
    UNION ALL
    SELECT * FROM scoped_sessions($see_all, $user_ids, $station_ids)
    WHERE installation_id = $installation_id AND started_at < $from_utc AND ended_at >= $from_utc
),
s AS (
    SELECT coalesce(s.user_id, '') AS user_id, (s.energy_kwh * 1000)::BIGINT AS energy_wh,
           s.started_at, s.ended_at, s.energy_details,
           epoch_us(s.ended_at) - epoch_us(s.started_at) AS duration_us,
           s.energy_details IS NOT NULL AND json_array_length(s.energy_details) > 0 AS detailed
    FROM in_month s
    WHERE NOT s.void AND s.time_unreliable IS NOT TRUE
),
detailed AS (
    SELECT user_id, energy_wh, hours,
           [CASE WHEN i = len(hours) THEN energy_wh
                 WHEN list_sum(energies) > 0 THEN round(energy_wh * list_sum(energies[1:i]) / list_sum(energies))::BIGINT
                 ELSE wh_until(energy_wh, i, len(hours)) END
            FOR i IN range(1, len(hours) + 1)] AS wh_until_hour
    FROM (SELECT *, [x.Energy FOR x IN hours] AS energies
          FROM (SELECT *, from_json(energy_details, '[{"Timestamp":"VARCHAR","Energy":"DOUBLE"}]') AS hours
                FROM s WHERE detailed))
),
detailed_slices AS (
    SELECT user_id, date_trunc('hour', hours[i].Timestamp::TIMESTAMP::TIMESTAMPTZ) AS hour,
           wh_until_hour[i] - coalesce(wh_until_hour[i - 1], 0) AS wh
    FROM (SELECT *, unnest(range(1, len(hours) + 1)) AS i FROM detailed)
),
split AS (
    SELECT user_id, energy_wh, duration_us, started_at, ended_at,
           unnest(generate_series(date_trunc('hour', started_at), ended_at, INTERVAL 1 HOUR)) AS h
    FROM s WHERE NOT detailed
),
even_slices AS (
    SELECT user_id, h AS hour,
           CASE WHEN duration_us <= 0
                THEN CASE WHEN h = date_trunc('hour', started_at) THEN energy_wh ELSE 0 END
                ELSE wh_until(energy_wh, epoch_us(least(h + INTERVAL 1 HOUR, ended_at)) - epoch_us(started_at),
                              duration_us)
                     - wh_until(energy_wh, epoch_us(greatest(h, started_at)) - epoch_us(started_at), duration_us)
                END AS wh
    FROM split
),
slices AS (
    SELECT user_id, hour, wh FROM detailed_slices
    UNION ALL
    SELECT user_id, hour, wh FROM even_slices
),
per_user AS (
    SELECT hour, user_id, sum(wh)::BIGINT AS wh
    FROM slices
    WHERE hour >= $from_utc AND hour < $to_utc AND wh <> 0
    GROUP BY ALL
),
per_hour AS (SELECT hour, sum(wh)::BIGINT AS wh FROM per_user GROUP BY hour),
-- The hours whose users are listed: those that can set the cost. Under either rule a peak hour of the
-- chargers is the highest of its local day (ties: every one of them); with meter readings, the
-- installation's peak hours ($also_hours). A month of a large installation is some 10^5 hour-user
-- pairs; handed to Python they cost more than the rest of the query.
candidates AS (
    SELECT hour FROM (SELECT hour, wh, max(wh) OVER (PARTITION BY timezone($time_zone, hour)::DATE) AS day_max
                      FROM per_hour)
    WHERE wh = day_max
    UNION
    SELECT unnest($also_hours::TIMESTAMPTZ[]) AS hour
)
-- Every hour's total (user_id NULL), then the candidate hours' users; hours as epoch seconds (fast to
-- hand to Python, unlike TIMESTAMPTZ values).
SELECT epoch(hour)::BIGINT AS hour_epoch, NULL::VARCHAR AS user_id, wh FROM per_hour
UNION ALL
SELECT epoch(u.hour)::BIGINT, u.user_id, u.wh FROM per_user u SEMI JOIN candidates c ON c.hour = u.hour

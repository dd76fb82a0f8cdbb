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
    SELECT * FROM scoped_sessions($see_all, $user_ids, $station_ids, $dwellings)
    WHERE installation_id = $installation_id AND started_at >= $from_utc AND started_at < $to_utc
    UNION ALL
    SELECT * FROM scoped_sessions($see_all, $user_ids, $station_ids, $dwellings)
    WHERE installation_id = $installation_id AND started_at < $from_utc AND ended_at >= $from_utc
),
s AS (
    SELECT coalesce(s.user_id, '') AS user_id, (s.energy_kwh * 1000)::BIGINT AS energy_wh,
           epoch_us(s.started_at) AS start_us, epoch_us(s.ended_at) AS end_us, s.energy_details,
           s.energy_details IS NOT NULL AND json_array_length(s.energy_details) > 0 AS detailed
    FROM in_month s
    WHERE NOT s.void AND s.time_unreliable IS NOT TRUE
),
detailed AS (
    SELECT user_id, energy_wh, hours,
           details_wh_until(energy_wh, energies) AS wh_until_hour
    FROM (SELECT *, [x.Energy FOR x IN hours] AS energies
          FROM (SELECT *, from_json(energy_details, '[{"Timestamp":"VARCHAR","Energy":"DOUBLE"}]') AS hours
                FROM s WHERE detailed))
),
-- (an hour is its number since 1970 in UTC, h x 3600 s: what date_trunc('hour', ...) of the UTC instant is)
detailed_slices AS (
    SELECT user_id, epoch_us(date_trunc('hour', hours[i].Timestamp::TIMESTAMP::TIMESTAMPTZ)) // 3600000000 AS h,
           wh_until_hour[i] - coalesce(wh_until_hour[i - 1], 0) AS wh
    FROM (SELECT *, unnest(range(1, len(hours) + 1)) AS i FROM detailed)
),
-- the hours from the start's to the end's (none when the end is before the start's hour), only those of the
-- month; where 2 x Wh x (duration + an hour) + duration fits in a BIGINT (fits), W(x) = wh_until(energy_wh,
-- x, duration) at x = the start of hour h0 + j is (a + b x j) // dd: the hour's piece is W(its end) - W(its
-- start), W(0) = 0 and W(duration) = energy_wh (else wh_until itself, in HUGEINT: the same integers)
split AS (
    SELECT user_id, energy_wh, start_us, end_us, h0, h1, fits, h - h0 AS j, h,
           CASE WHEN fits AND end_us > start_us THEN 2 * energy_wh * (h0 * 3600000000 - start_us) + end_us - start_us
                END AS a,
           CASE WHEN fits AND end_us > start_us THEN 2 * energy_wh * 3600000000 END AS b,
           2 * (end_us - start_us) AS dd
    FROM (SELECT *, unnest(range(greatest(h0, ((epoch_us($from_utc::TIMESTAMPTZ) + 3599999999) // 3600000000)), least(h1, ((epoch_us($to_utc::TIMESTAMPTZ) + 3599999999) // 3600000000) - 1) + 1)) AS h
          FROM (SELECT *, (start_us + 3600000000 * 1000000) // 3600000000 - 1000000 AS h0,
                       (end_us + 3600000000 * 1000000) // 3600000000 - 1000000 AS h1,
                       energy_wh >= 0 AND (end_us <= start_us OR energy_wh <= (9223372036854775807 - (end_us - start_us))
                                                                  // greatest(2 * (end_us - start_us + 3600000000), 1))
                           AS fits
                FROM s WHERE NOT detailed))
),
even_slices AS (
    SELECT user_id, h,
           CASE WHEN end_us <= start_us THEN CASE WHEN h = h0 THEN energy_wh ELSE 0 END
                WHEN fits THEN CASE WHEN h = h1 THEN energy_wh ELSE (a + b * (j + 1)) // dd END
                               - CASE WHEN j = 0 THEN 0 ELSE (a + b * j) // dd END
                ELSE wh_until(energy_wh, least((h + 1) * 3600000000, end_us) - start_us, end_us - start_us)
                     - wh_until(energy_wh, greatest(h * 3600000000, start_us) - start_us, end_us - start_us)
                END AS wh
    FROM split
),
slices AS (
    SELECT user_id, h, wh FROM detailed_slices
    UNION ALL
    SELECT user_id, h, wh FROM even_slices
),
-- (the chargers' hours summed from the pieces themselves; the users only in the candidate hours below: grouping
-- every hour's users cost most of the query at 10M)
per_hour AS (
    SELECT h, sum(wh)::BIGINT AS wh
    FROM slices
    WHERE h >= ((epoch_us($from_utc::TIMESTAMPTZ) + 3599999999) // 3600000000) AND h < ((epoch_us($to_utc::TIMESTAMPTZ) + 3599999999) // 3600000000) AND wh <> 0
    GROUP BY h
),
-- The hours whose users are listed: those that can set the cost. Under either rule a peak hour of the
-- chargers is the highest of its local day (ties: every one of them); with meter readings, the
-- installation's peak hours ($also_hours). A month of a large installation is some 10^5 hour-user
-- pairs; handed to Python they cost more than the rest of the query.
candidates AS (
    SELECT h FROM (SELECT h, wh, max(wh) OVER (PARTITION BY timezone($time_zone, to_timestamp(h * 3600))::DATE) AS day_max
                   FROM per_hour)
    WHERE wh = day_max
    UNION
    SELECT epoch_us(unnest($also_hours::TIMESTAMPTZ[])) // 3600000000 AS h
),
per_user AS (
    SELECT h, user_id, sum(wh)::BIGINT AS wh
    FROM slices
    WHERE h >= ((epoch_us($from_utc::TIMESTAMPTZ) + 3599999999) // 3600000000) AND h < ((epoch_us($to_utc::TIMESTAMPTZ) + 3599999999) // 3600000000) AND wh <> 0 AND h IN (SELECT h FROM candidates)
    GROUP BY ALL
)
-- Every hour's total (user_id NULL), then the candidate hours' users; hours as epoch seconds (fast to
-- hand to Python, unlike TIMESTAMPTZ values).
SELECT h * 3600 AS hour_epoch, NULL::VARCHAR AS user_id, wh FROM per_hour
UNION ALL
SELECT h * 3600, user_id, wh FROM per_user

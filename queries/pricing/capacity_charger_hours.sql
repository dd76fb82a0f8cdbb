-- The chargers' energy per clock hour of one installation, in whole Wh, per user ('' = open charging),
-- for the hours starting in [$from_utc, $to_utc): one or more consecutive local months of $time_zone, whose
-- UTC bounds are $month_froms and $month_tos (the same lists capacity_meter_hours.sql and
-- capacity_unplaced_sessions.sql get; hours are UTC instants, so the autumn night's repeated local hour is
-- two hours). Several months in one pass give each month exactly what that month alone would: every hour
-- belongs to one month, and a session counts in a month's hours only when it started in that month or
-- started before it and ended in or after its first hour (issue 29: a year's statements read 12 months).
-- Void sessions never count; a session whose charger clock
-- was unreliable cannot be placed in hours and is left out (capacity_unplaced_sessions.sql counts them).
-- Each session takes one of two paths, as the statements' (statement_user_costs.sql):
--   details  with EnergyDetails: each hour's Energy, scaled so the hours add up to the session's kWh
--            (a running share of the list's own sum, rounded to the Wh; the last hour takes the rest);
--   even     the kWh spread evenly over the session's real duration, each hour's piece from wh_until,
--            so the pieces are whole Wh and add up to the session's Wh exactly.
-- The sessions are read in two disjoint branches of plain comparisons on stored columns (started in the
-- range; started before it and ended in or after its first hour), which DuckDB checks inside the scan.
-- (An even piece lies between its session's start and end hours, so with month bounds on whole UTC hours
-- (capacity.months_capacity asks for several months only then) it is in a month the session counts in; a
-- detail's hour is the charger's own timestamp, so its month is checked against the session below.)
WITH month_bounds AS (
    SELECT epoch_us(f) AS from_us, epoch_us(t) AS to_us
    FROM (SELECT unnest($month_froms::TIMESTAMPTZ[]) AS f, unnest($month_tos::TIMESTAMPTZ[]) AS t)
),
in_month AS NOT MATERIALIZED (  -- (read again by each use: kept, a year at 10M spilled to disk)
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
    SELECT user_id, energy_wh, start_us, end_us, hours,
           details_wh_until(energy_wh, energies) AS wh_until_hour
    FROM (SELECT *, [x.Energy FOR x IN hours] AS energies
          FROM (SELECT *, from_json(energy_details, '[{"Timestamp":"VARCHAR","Energy":"DOUBLE"}]') AS hours
                FROM s WHERE detailed))
),
-- (an hour is its number since 1970 in UTC, h x 3600 s: what date_trunc('hour', ...) of the UTC instant is)
detailed_slices AS (
    SELECT d.user_id, d.h, d.wh
    FROM (SELECT user_id, start_us, end_us,
                 epoch_us(date_trunc('hour', hours[i].Timestamp::TIMESTAMP::TIMESTAMPTZ)) // 3600000000 AS h,
                 wh_until_hour[i] - coalesce(wh_until_hour[i - 1], 0) AS wh
          FROM (SELECT *, unnest(range(1, len(hours) + 1)) AS i FROM detailed)) d
    JOIN month_bounds b ON d.h * 3600000000 >= b.from_us AND d.h * 3600000000 < b.to_us
    WHERE d.start_us < b.to_us AND (d.start_us >= b.from_us OR d.end_us >= b.from_us)
),
-- the sessions spread evenly: their first and last hours (none when the end is before the start's hour), and
-- whether 2 x Wh x (duration + an hour) + duration fits in a BIGINT (even_piece_wh, schema.sql, says why)
even AS (
    SELECT *, CASE WHEN fits AND end_us > start_us THEN 2 * energy_wh * (h0 * 3600000000 - start_us) + end_us - start_us
                   END AS a,
           CASE WHEN fits AND end_us > start_us THEN 2 * energy_wh * 3600000000 END AS b,
           2 * (end_us - start_us) AS dd
    FROM (SELECT user_id, energy_wh, start_us, end_us,
                 (start_us + 3600000000 * 1000000) // 3600000000 - 1000000 AS h0,
                 (end_us + 3600000000 * 1000000) // 3600000000 - 1000000 AS h1,
                 energy_wh >= 0 AND (end_us <= start_us OR energy_wh <= (9223372036854775807 - (end_us - start_us))
                                                            // greatest(2 * (end_us - start_us + 3600000000), 1)) AS fits
          FROM s WHERE NOT detailed)
),
-- every hour's piece of them, only the hours of the range; summed per hour as they are made (never kept:
-- a year of a 10M store is some 3.4 x 10^7 pieces)
even_slices AS (
    SELECT h, even_piece_wh(energy_wh, start_us, end_us, h0, h1, fits, a, b, dd, h) AS wh
    FROM (SELECT *, unnest(range(greatest(h0, ((epoch_us($from_utc::TIMESTAMPTZ) + 3599999999) // 3600000000)), least(h1, ((epoch_us($to_utc::TIMESTAMPTZ) + 3599999999) // 3600000000) - 1) + 1)) AS h
          FROM even)
),
-- (the chargers' hours summed from the pieces themselves; the users only in the candidate hours below: grouping
-- every hour's users cost most of the query at 10M)
per_hour AS (
    SELECT h, sum(wh)::BIGINT AS wh
    FROM (SELECT h, wh FROM detailed_slices UNION ALL SELECT h, wh FROM even_slices)
    WHERE h >= ((epoch_us($from_utc::TIMESTAMPTZ) + 3599999999) // 3600000000) AND h < ((epoch_us($to_utc::TIMESTAMPTZ) + 3599999999) // 3600000000)
    GROUP BY h
    HAVING bool_or(wh <> 0)  -- (the hours with a piece that is not 0, as a filter on the pieces would give; the
                             -- pieces themselves unfiltered, so each is computed once)
),
-- The hours whose users are listed: those that can set the cost. Under either rule a peak hour of the
-- chargers is the highest of its local day (ties: every one of them) and that day is one of its local month's
-- 3 highest by their highest hour (ties: every one of them; only hours with load, as capacity.peak_hours);
-- with meter readings, the installation's peak hours ($also_hours). Every day's highest hour would be
-- some 10^5 hour-user pairs a month at 10M; handed to Python they cost more than the rest of the query.
days AS (
    SELECT h, wh, day, max(wh) OVER (PARTITION BY day) AS day_max
    FROM (SELECT h, wh, timezone($time_zone, to_timestamp(h * 3600))::DATE AS day FROM per_hour WHERE wh > 0)
),
top_days AS (
    SELECT day FROM (SELECT day, rank() OVER (PARTITION BY date_trunc('month', day) ORDER BY day_max DESC) AS r
                     FROM (SELECT DISTINCT day, day_max FROM days))
    WHERE r <= 3
),
candidates AS (
    SELECT h FROM days WHERE wh = day_max AND day IN (SELECT day FROM top_days)
    UNION
    SELECT epoch_us(unnest($also_hours::TIMESTAMPTZ[])) // 3600000000 AS h
),
-- the users' pieces in the candidate hours only: the evenly spread sessions' hours kept where they are candidates
-- (a hash join), only then each piece computed as in even_slices; the detailed ones' pieces filtered
per_user AS (
    SELECT h, user_id, sum(wh)::BIGINT AS wh
    FROM (SELECT user_id, h, wh FROM detailed_slices WHERE h IN (SELECT h FROM candidates)
          UNION ALL
          SELECT user_id, h, even_piece_wh(energy_wh, start_us, end_us, h0, h1, fits, a, b, dd, h) AS wh
          FROM (SELECT *, unnest(range(greatest(h0, ((epoch_us($from_utc::TIMESTAMPTZ) + 3599999999) // 3600000000)), least(h1, ((epoch_us($to_utc::TIMESTAMPTZ) + 3599999999) // 3600000000) - 1) + 1)) AS h
                FROM even)
          WHERE h IN (SELECT h FROM candidates))
    WHERE h >= ((epoch_us($from_utc::TIMESTAMPTZ) + 3599999999) // 3600000000) AND h < ((epoch_us($to_utc::TIMESTAMPTZ) + 3599999999) // 3600000000)
    GROUP BY ALL
    HAVING bool_or(wh <> 0)  -- (as per_hour's: a filter on the pieces would be pushed below the join)
)
-- Every hour's total (user_id NULL), then the candidate hours' users; hours as epoch seconds (fast to
-- hand to Python, unlike TIMESTAMPTZ values).
SELECT h * 3600 AS hour_epoch, NULL::VARCHAR AS user_id, wh FROM per_hour
UNION ALL
SELECT h * 3600, user_id, wh FROM per_user

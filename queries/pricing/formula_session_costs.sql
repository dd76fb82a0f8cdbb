-- The formula path of the statements (chargeboard/pricing/energy.py; the flat path is
-- statement_user_costs.sql): per user (''= open charging) and installation, or per session with
-- $per_session, the sessions of $installations dated in [$local_from, $local_to) (by their start, by
-- when the cloud registered them if their clock was unreliable), all in one formula version's period,
-- and the exact amount of each component.
-- A session's Wh are placed in the price table's steps of $step_minutes (15-minute quarters, UTC-aligned;
-- whole hours when every hour of the table has one price: the same Wh per hour, a quarter of the rows;
-- step q starts at $table_start + (q - 1) x the step) in whole Wh that add up to its Wh exactly:
--   details     with EnergyDetails: each hour's Energy as a running share of their sum (as the flat
--               query's `detailed` CTE), each hour's Wh spread evenly over its quarters (wh_until);
--   even        else spread evenly over its real duration (wh_until on microseconds; in BIGINT where
--               2 x Wh x (duration + a step) + duration fits, else in HUGEINT as the macro does: the same
--               integers);
--   unreliable  a clock that cannot be trusted: spread evenly over the quarters of its dating day, so it
--               pays the mean of that day's prices (to the Wh).
-- (wh_until telescopes: the Wh of an hour cut into quarters add up to the Wh of the hour uncut.)
-- The price table (energy.PriceTable.query_parameters): a piece costs Wh x price per kWh, summed exactly in
-- integers (HUGEINT); the amounts come out in 10^-21 NOK. Per step q: $step_class, and the prices that change
-- from hour to hour, $spot, $vat and $support, in units of 10^-18 / $step_scale NOK (the fewest that hold
-- them whole; the sums are multiplied by $step_scale after). Every other price is the same for all the
-- steps of a class (a few dozen: day/night x the tax and fee steps), given per class in units of 10^-18 NOK:
-- $class_norgespris, $class_markup, $class_grid, $class_tax, $class_enova, $class_cost_price, with
-- $class_priced (false = no price; each step without a price is a class of its own, $class_q) and whether
-- the class's $spot, $vat and $support are not 0 ($class_spot_nz, $class_vat_nz, $class_support_nz). So
-- the pieces are summed per user and class (Wh, and Wh x each changing price) and the classes priced
-- after: Σ Wh x price per piece, regrouped, the same integers with far less work per piece. Most pieces
-- (even_fast) go in BIGINT and are grouped by a number per user (uk); the rest as the macro does.
-- <component>_wh are the Wh in steps where that component's price is not 0 (a statement's kWh per
-- component). A piece in a step without a price, or outside the table, is unpriced_wh; unpriced_q lists
-- those steps (energy.py reads the days from them, and prices a longer table when a session runs past
-- the end of this one).
WITH in_period AS NOT MATERIALIZED (
    SELECT * FROM scoped_sessions_dated($see_all, $user_ids, $station_ids, $dwellings, $local_from, $local_to)
),
s AS NOT MATERIALIZED (
    SELECT s.session_id, CASE WHEN $per_session THEN s.session_id END AS session_key, s.station_id,
           coalesce(s.user_id, '') AS user_id, s.installation_id, s.energy_kwh,
           (s.energy_kwh * 1000)::BIGINT AS energy_wh, epoch_us(s.started_at) AS start_us,
           epoch_us(s.ended_at) AS end_us, s.started_at, s.ended_at, s.ended_local, s.energy_details, s.time_unreliable IS TRUE AS unreliable,
           i.time_zone,
           CASE WHEN s.time_unreliable THEN coalesce(s.registered_local, s.started_local)
                ELSE s.started_local END AS period_local,
           epoch_us($table_start::TIMESTAMPTZ) AS t0, $step_minutes::BIGINT * 60000000 AS step_us
    FROM in_period s JOIN installations i USING (installation_id)
    WHERE NOT s.void AND list_contains($installations::VARCHAR[], s.installation_id)
),
-- each user and installation (each session, per_session): its figures, and a number uk that the pieces are
-- grouped by (numbers group faster than the names)
counted AS (
    SELECT user_id, installation_id, session_key,
           min(period_local) FILTER (WHERE $per_session) AS first_local,
           max(ended_local) FILTER (WHERE $per_session) AS last_local,
           min(station_id) FILTER (WHERE $per_session) AS station_id,
           count(*) AS sessions, sum(energy_kwh) AS energy_kwh,
           list(DISTINCT date_trunc('month', period_local)::DATE) AS active_months,
           row_number() OVER () AS uk
    FROM s GROUP BY user_id, installation_id, session_key
),
-- (read once per kind, from the sessions: materialising every session's columns cost more than reading them)
kinds AS NOT MATERIALIZED (
    SELECT s.*, c.uk,
           CASE WHEN unreliable THEN 'unreliable'
                WHEN energy_details IS NOT NULL AND json_array_length(energy_details) > 0 THEN 'details'
                ELSE 'even' END AS kind
    FROM s JOIN counted c ON c.user_id = s.user_id AND c.installation_id = s.installation_id
                         AND c.session_key IS NOT DISTINCT FROM s.session_key
),
detailed AS (
    SELECT *,
           details_wh_until(energy_wh, energies) AS wh_until_hour
    FROM (SELECT *, [x.Energy FOR x IN hours] AS energies
          FROM (SELECT *, from_json(energy_details, '[{"Timestamp":"VARCHAR","Energy":"DOUBLE"}]') AS hours
                FROM kinds WHERE kind = 'details' AND NOT unreliable AND energy_details IS NOT NULL))
),
-- (a quarter index from µs since t0, floored also before t0, where it is < 1 and has no price; the pieces
-- are rows, not lists: a list per session built by a lambda cost 13 s for half a year at 1M sessions)
-- The sessions spread evenly that start and end inside the table with at most $fast_kwh (energy.py: then
-- 2 x Wh x (duration + a step) + duration and Wh x any per-step price fit in a BIGINT): W(x) =
-- wh_until(energy_wh, x, duration) at x = the start of step k0 + j is (a + b x j) // dd; a piece of step
-- k0 + j holds W(its end) - W(its start); the first piece starts at W(0) = 0, the last ends at
-- W(duration) = energy_wh. (The test is on the sessions' own columns, so that DuckDB reads them apart
-- from even_other's: one shared read of both was kept in memory, and spilled to disk at 10M.)
even_fast AS (
    SELECT uk, energy_wh, k0, k1 - k0 AS n,
           CASE WHEN end_us > start_us THEN 2 * energy_wh * (t0 + k0 * step_us - start_us) + end_us - start_us END AS a,
           CASE WHEN end_us > start_us THEN 2 * energy_wh * step_us END AS b,
           2 * (end_us - start_us) AS dd,
           unnest(range(0, k1 - k0 + 1)) AS j
    FROM (SELECT *, (start_us - t0) // step_us AS k0,
                 CASE WHEN end_us > start_us THEN (end_us - 1 - t0) // step_us ELSE (start_us - t0) // step_us END AS k1
          FROM kinds
          WHERE kind = 'even' AND NOT unreliable AND started_at >= $table_start::TIMESTAMPTZ
            AND started_at < $table_end::TIMESTAMPTZ AND ended_at <= $table_end::TIMESTAMPTZ
            AND energy_kwh >= 0 AND energy_kwh <= $fast_kwh::DECIMAL(18, 3))
),
-- the other sessions spread evenly: in BIGINT where 2 x Wh x (duration + a step) + duration fits (fits), else
-- in HUGEINT as wh_until does (the same integers)
even_other AS (
    SELECT uk, energy_wh, start_us, end_us, t0, step_us, k0, k1 - k0 AS n, fits,
           CASE WHEN fits AND end_us > start_us THEN 2 * energy_wh * (t0 + k0 * step_us - start_us) + end_us - start_us
                END AS a,
           CASE WHEN fits AND end_us > start_us THEN 2 * energy_wh * step_us END AS b,
           2 * (end_us - start_us) AS dd,
           unnest(range(0, k1 - k0 + 1)) AS j
    FROM (SELECT *,
                 energy_wh >= 0 AND (end_us <= start_us OR energy_wh <= (9223372036854775807 - (end_us - start_us))
                                                            // greatest(2 * (end_us - start_us + step_us), 1)) AS fits
          FROM (SELECT *, (start_us - t0 + 100000 * step_us) // step_us - 100000 AS k0,
                       CASE WHEN end_us > start_us THEN (end_us - 1 - t0 + 100000 * step_us) // step_us - 100000
                            ELSE (start_us - t0 + 100000 * step_us) // step_us - 100000 END AS k1
                FROM kinds
                WHERE kind = 'even' AND NOT unreliable
                  AND NOT (started_at >= $table_start::TIMESTAMPTZ AND started_at < $table_end::TIMESTAMPTZ
                           AND ended_at <= $table_end::TIMESTAMPTZ AND energy_kwh >= 0
                           AND energy_kwh <= $fast_kwh::DECIMAL(18, 3))))
),
detail_hours AS (
    SELECT uk, t0, step_us,
           wh_until_hour[i] - coalesce(wh_until_hour[i - 1], 0) AS hour_wh,
           (epoch_us(date_trunc('hour', hours[i].Timestamp::TIMESTAMP)) - t0 + 100000 * step_us) // step_us
               - 100000 AS k0, 3600000000 // step_us AS per_hour
    FROM (SELECT *, unnest(range(1, len(hours) + 1)) AS i FROM detailed)
),
unreliable AS (
    SELECT uk, energy_wh, n, k0, unnest(range(n)) AS j
    FROM (SELECT *, (day_us - t0 + 100000 * step_us) // step_us - 100000 AS k0,
                 greatest((next_us - day_us) // step_us, 1) AS n
          FROM (SELECT *, epoch_us(timezone(time_zone, period_local::DATE::TIMESTAMP)) AS day_us,
                       epoch_us(timezone(time_zone, (period_local::DATE + 1)::TIMESTAMP)) AS next_us
                FROM kinds WHERE kind = 'unreliable' AND unreliable))
),
pieces_fast AS (
    SELECT uk, k0 + j + 1 AS q,
           CASE WHEN j = n THEN energy_wh ELSE (a + b * (j + 1)) // dd END
           - CASE WHEN j = 0 THEN 0 ELSE (a + b * j) // dd END AS wh
    FROM even_fast
),
pieces AS (
    SELECT uk, k0 + j + 1 AS q,
           CASE WHEN fits THEN CASE WHEN j = n THEN energy_wh ELSE (a + b * (j + 1)) // dd END
                               - CASE WHEN j = 0 THEN 0 ELSE (a + b * j) // dd END
                WHEN end_us <= start_us THEN CASE WHEN j = 0 THEN energy_wh ELSE 0 END
                ELSE wh_until(energy_wh, least(t0 + (k0 + j + 1) * step_us, end_us) - start_us, end_us - start_us)
                     - wh_until(energy_wh, greatest(t0 + (k0 + j) * step_us, start_us) - start_us, end_us - start_us)
                END AS wh
    FROM even_other
    UNION ALL
    SELECT uk, k0 + 1 + j AS q,
           wh_until(hour_wh, j + 1, per_hour) - wh_until(hour_wh, j, per_hour) AS wh
    FROM (SELECT *, unnest(range(per_hour)) AS j FROM detail_hours)
    UNION ALL
    SELECT uk, k0 + j + 1 AS q,
           wh_until(energy_wh, j + 1, n) - wh_until(energy_wh, j, n) AS wh
    FROM unreliable
),
steps AS (
    SELECT unnest(range(1, len($step_class::INTEGER[]) + 1)) AS q, unnest($step_class::INTEGER[]) AS cls,
           unnest($spot::VARCHAR[])::BIGINT AS spot, unnest($vat::VARCHAR[])::BIGINT AS vat,
           unnest($support::VARCHAR[])::BIGINT AS support
),
classes AS (
    SELECT unnest(range(1, len($class_priced::BOOLEAN[]) + 1)) AS cls, unnest($class_priced::BOOLEAN[]) AS priced,
           unnest($class_q::BIGINT[]) AS unpriced_step,
           unnest($class_norgespris::VARCHAR[])::HUGEINT AS norgespris, unnest($class_markup::VARCHAR[])::HUGEINT AS markup,
           unnest($class_grid::VARCHAR[])::HUGEINT AS grid, unnest($class_tax::VARCHAR[])::HUGEINT AS tax,
           unnest($class_enova::VARCHAR[])::HUGEINT AS enova, unnest($class_cost_price::VARCHAR[])::HUGEINT AS cost_price,
           unnest($class_spot_nz::BOOLEAN[]) AS spot_nz, unnest($class_vat_nz::BOOLEAN[]) AS vat_nz,
           unnest($class_support_nz::BOOLEAN[]) AS support_nz
),
-- the per-step prices are in units of 10^-18 / $step_scale NOK per kWh here (BIGINT); x $step_scale after the sums
by_class AS (
    SELECT x.uk, x.cls, sum(x.wh) AS wh, sum(x.wh * x.spot) AS spot, sum(x.wh * x.vat) AS vat,
           sum(x.wh * x.support) AS support, true AS fast, NULL::BIGINT[] AS unpriced_q
    FROM (SELECT * FROM pieces_fast JOIN steps USING (q)) x
    GROUP BY ALL
    UNION ALL
    SELECT x.uk, st.cls, sum(x.wh), sum(x.wh::HUGEINT * st.spot), sum(x.wh::HUGEINT * st.vat),
           sum(x.wh::HUGEINT * st.support), false,
           list_distinct(list(x.q) FILTER (WHERE x.wh <> 0 AND st.unpriced IS NOT FALSE))
    FROM pieces x LEFT JOIN (SELECT s.*, NOT c.priced AS unpriced FROM steps s JOIN classes c USING (cls)) st ON st.q = x.q
    GROUP BY ALL
),
costs AS (
    SELECT b.uk,
           coalesce(sum(b.spot) FILTER (WHERE c.priced), 0)::HUGEINT * $step_scale::HUGEINT AS spot,
           coalesce(sum(b.wh * c.norgespris) FILTER (WHERE c.priced), 0)::HUGEINT AS norgespris,
           coalesce(sum(b.wh * c.markup) FILTER (WHERE c.priced), 0)::HUGEINT AS markup,
           coalesce(sum(b.wh * c.grid) FILTER (WHERE c.priced), 0)::HUGEINT AS grid,
           coalesce(sum(b.wh * c.tax) FILTER (WHERE c.priced), 0)::HUGEINT AS tax,
           coalesce(sum(b.wh * c.enova) FILTER (WHERE c.priced), 0)::HUGEINT AS enova,
           coalesce(sum(b.vat) FILTER (WHERE c.priced), 0)::HUGEINT * $step_scale::HUGEINT AS vat,
           coalesce(sum(b.support) FILTER (WHERE c.priced), 0)::HUGEINT * $step_scale::HUGEINT AS support,
           coalesce(sum(b.wh * c.cost_price) FILTER (WHERE c.priced), 0)::HUGEINT AS cost_price,
           coalesce(sum(b.wh) FILTER (WHERE c.priced AND c.spot_nz), 0)::BIGINT AS spot_wh,
           coalesce(sum(b.wh) FILTER (WHERE c.priced AND c.norgespris <> 0), 0)::BIGINT AS norgespris_wh,
           coalesce(sum(b.wh) FILTER (WHERE c.priced AND c.markup <> 0), 0)::BIGINT AS markup_wh,
           coalesce(sum(b.wh) FILTER (WHERE c.priced AND c.grid <> 0), 0)::BIGINT AS grid_wh,
           coalesce(sum(b.wh) FILTER (WHERE c.priced AND c.tax <> 0), 0)::BIGINT AS tax_wh,
           coalesce(sum(b.wh) FILTER (WHERE c.priced AND c.enova <> 0), 0)::BIGINT AS enova_wh,
           coalesce(sum(b.wh) FILTER (WHERE c.priced AND c.vat_nz), 0)::BIGINT AS vat_wh,
           coalesce(sum(b.wh) FILTER (WHERE c.priced AND c.support_nz), 0)::BIGINT AS support_wh,
           coalesce(sum(b.wh) FILTER (WHERE c.priced AND c.cost_price <> 0), 0)::BIGINT AS cost_price_wh,
           coalesce(sum(b.wh) FILTER (WHERE c.priced IS NOT TRUE), 0)::BIGINT AS unpriced_wh,
           -- (a fast piece's unpriced step is its class: each unpriced step is a class of its own, and a fast
           -- piece's Wh are never negative, so a class's Wh are not 0 when one of its pieces' are not)
           list_distinct(coalesce(flatten(list(b.unpriced_q) FILTER (WHERE b.unpriced_q IS NOT NULL)), [])
                         || coalesce(list(c.unpriced_step) FILTER (WHERE b.fast AND NOT c.priced AND b.wh <> 0), []))
               AS unpriced_q
    FROM by_class b LEFT JOIN classes c USING (cls)
    GROUP BY ALL
)
SELECT c.user_id, c.installation_id, c.sessions, c.energy_kwh::DECIMAL(18, 3) AS energy_kwh,
       coalesce(k.unpriced_wh, 0) AS unpriced_wh, c.active_months,
       coalesce(u.name, u.email, CASE WHEN c.user_id = '' THEN 'Open charging (no user)' ELSE c.user_id END) AS name,
       u.email, c.session_key AS session_id,
       CASE WHEN $per_session THEN c.first_local END AS first_local,
       CASE WHEN $per_session THEN c.last_local END AS ended_local,
       CASE WHEN $per_session THEN coalesce(st.name, st.device_id, c.station_id) END AS station,
       coalesce(k.spot, 0) AS spot, coalesce(k.norgespris, 0) AS norgespris, coalesce(k.markup, 0) AS markup,
       coalesce(k.grid, 0) AS grid, coalesce(k.tax, 0) AS tax, coalesce(k.enova, 0) AS enova,
       coalesce(k.vat, 0) AS vat, coalesce(k.support, 0) AS support, coalesce(k.cost_price, 0) AS cost_price,
       coalesce(k.spot_wh, 0) AS spot_wh, coalesce(k.norgespris_wh, 0) AS norgespris_wh, coalesce(k.markup_wh, 0) AS markup_wh, coalesce(k.grid_wh, 0) AS grid_wh, coalesce(k.tax_wh, 0) AS tax_wh, coalesce(k.enova_wh, 0) AS enova_wh, coalesce(k.vat_wh, 0) AS vat_wh, coalesce(k.support_wh, 0) AS support_wh, coalesce(k.cost_price_wh, 0) AS cost_price_wh,
       coalesce(k.unpriced_q, []) AS unpriced_q
FROM counted c
LEFT JOIN costs k ON k.uk = c.uk
LEFT JOIN users u ON u.user_id = c.user_id
LEFT JOIN stations st ON $per_session AND st.station_id = c.station_id
ORDER BY c.user_id = '', name, c.user_id, c.installation_id, c.first_local, c.session_key

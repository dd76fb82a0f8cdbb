-- Per user (''= open charging) and installation: sessions, kWh and the unrounded energy cost
-- of the sessions dated in [$local_from, $local_to), priced with the tariffs in force as of
-- $as_of. A session is dated by its start (by when the cloud registered it if its clock was
-- unreliable). Prices are per local hour of the installation (tariff_hour_prices). Each
-- session takes one path:
--   simple    inside one run of hours at one price (one price period, no band edge crossed):
--             kWh x that price, exact (also: an unreliable clock, at the base price of its date);
--   details   with EnergyDetails: each hour's Energy, scaled so the hours add up to the
--             session's kWh, at that hour's price;
--   even      no details: the kWh spread evenly over the session's real duration. Within one
--             price period and with no DST change inside, cut only where the price changes
--             (by the period's list of change hours), not into every hour;
--   slices    the rest (crossing a price period's edge or a DST change, or running from a day
--             no price period covers into one): split into clock hours, each at its price;
--   unpriced  on a day no price period covers, and not running into one (or an unreliable clock
--             on such a day): all of its kWh are unpriced_kwh.
-- The details/even/slices paths split a session into whole Wh that add up to its Wh exactly (a
-- running share rounded to the Wh, wh_until), and each piece costs Wh x its price: amounts are
-- summed as integer units of 10^-7 of the currency (Wh x a price of 4 decimals), exact, so a
-- statement's kWh at a price times that price is its amount. The statement rounds once, to the minor
-- unit. kWh in no price period is unpriced_kwh.
-- With $per_session every row is one session (session_id, its start and station set) with its
-- `parts`, the pieces a session of the details/even/slices paths was priced by ({version, hour,
-- price, wh}; version and price NULL where unpriced; [] for a session of one price, whose price is
-- its cost / its kWh): the same paths and the same units, so a user's sessions add up exactly to
-- their row without it. Without it session_id, first_local, station and parts are NULL.
-- Flat versions only: the sessions dated in a formula version's period of their installation's chain (its
-- own, tariff_installation_periods, where it has formula versions of its own; else the co-op-wide
-- tariff_periods) are left out, for chargeboard/pricing/energy.py. (A day of one installation's own formula
-- stays flat for the others.) Every flat day of an installation's chain is a flat day of the co-op-wide
-- chain under the same version (only formula versions name an installation), so the flat prices below
-- read the co-op-wide chain.
-- The CTEs that read sessions are NOT MATERIALIZED: DuckDB otherwise kept them, read by four paths, as
-- a table of the whole period (1.9 GB for a year of 10M sessions; kept `s`, read twice: 4.8 s against
-- 2.2 s). The simple path (with a flat price, every session) is summed as the sessions stream by
-- (`dated`); a second read keeps only the other paths' sessions, narrow (`others`), and tests first
-- which sessions can take them at all (`maybe_others`). Collecting those in the first read instead (a
-- list per user) was faster with a flat price but cannot spill: with price bands it ran out of the
-- store's memory limit (BENCHMARKS.md, "10M store, 2026-11-26 16:30–17:40").
WITH formula_days AS (  -- per installation with a formula period in its chain: their [from, to) dates
    SELECT i.installation_id, list(f.valid_from ORDER BY f.valid_from) AS starts,
           list(f.valid_to ORDER BY f.valid_from) AS ends
    FROM installations i
    JOIN (SELECT NULL::VARCHAR AS chain, valid_from, valid_to FROM tariff_periods($as_of) WHERE formula IS NOT NULL
          UNION ALL
          SELECT installation_id, valid_from, valid_to FROM tariff_installation_periods($as_of) WHERE formula IS NOT NULL) f
      ON f.chain = i.installation_id
         OR (f.chain IS NULL AND i.installation_id NOT IN (SELECT installation_id FROM tariff_installation_periods($as_of)))
    GROUP BY i.installation_id
),
in_period AS NOT MATERIALIZED (
    SELECT * FROM scoped_sessions_dated($see_all, $user_ids, $station_ids, $dwellings, $local_from, $local_to)
),
s AS NOT MATERIALIZED (
    SELECT s.session_id, CASE WHEN $per_session THEN s.session_id END AS session_key, s.station_id,
           coalesce(s.user_id, '') AS user_id, s.installation_id, s.energy_kwh,
           s.started_at, s.ended_at, s.started_local, s.ended_local,
           s.energy_details, s.time_unreliable, i.time_zone,
           CASE WHEN s.time_unreliable THEN coalesce(s.registered_local, s.started_local)
                ELSE s.started_local END AS period_local
    FROM in_period s JOIN installations i USING (installation_id)
    LEFT JOIN formula_days fd ON fd.installation_id = s.installation_id
    WHERE NOT s.void
      -- (sessions dated in a formula period of their installation's chain, [starts[k], ends[k]), are the
      -- formula path's: chargeboard/pricing/energy.py; no row in formula_days when there is none)
      AND (fd.starts IS NULL
           OR NOT coalesce(list_bool_or([CASE WHEN s.time_unreliable THEN coalesce(s.registered_local, s.started_local)
                                               ELSE s.started_local END::DATE >= fd.starts[k]
                                          AND CASE WHEN s.time_unreliable THEN coalesce(s.registered_local, s.started_local)
                                                   ELSE s.started_local END::DATE < fd.ends[k]
                                          FOR k IN range(1, len(fd.starts) + 1)]), false))
),
bounds AS (  -- one row: what a session must cross to leave the simple path
    SELECT coalesce((SELECT list(valid_from) FROM tariff_periods($as_of)), []) AS edges,  -- where each price period starts (the earliest: the first priced day)
           -- by start hour (index hour + 1), the shortest run_hours any price period has
           coalesce((SELECT list(run_hours ORDER BY hour)
                     FROM (SELECT hour, min(run_hours) AS run_hours FROM tariff_hour_prices($as_of) GROUP BY hour)),
                    []) AS shortest_runs
),
dated AS NOT MATERIALIZED (  -- every session of the period, for simple_costs
    SELECT s.*, p.version, p.price_per_kwh AS base_price, hp.price AS start_price,
           pricing_path(p.valid_from, p.valid_to, hp.run_hours, s.time_unreliable, s.started_local, s.ended_local,
                        s.started_at, s.ended_at, s.energy_details, b.edges) AS path
    FROM s CROSS JOIN bounds b
    LEFT JOIN tariff_periods($as_of) p ON s.period_local::DATE >= p.valid_from AND s.period_local::DATE < p.valid_to
    LEFT JOIN tariff_hour_prices($as_of) hp ON hp.version = p.version AND hp.hour = hour(s.started_local)
),
-- The sessions that can take another path than 'simple' or 'unpriced'. The rest provably take one of
-- those two: a reliable clock, ending before the next price period's first day (or on an unpriced
-- day, pricing_path), and within the shortest run of one price from its start hour. Tested here,
-- before the joins to the tariffs: with a flat price none are left, and this read costs a scan (a year
-- at 10M: 1.6 s against 1.9 s, BENCHMARKS.md). With no tariff yet, none are left either.
maybe_others AS NOT MATERIALIZED (
    SELECT s.* FROM s, bounds b
    WHERE s.time_unreliable IS NOT TRUE AND len(b.edges) > 0
      AND (s.ended_local > date_trunc('hour', s.started_local)
                           + to_hours(coalesce(b.shortest_runs[hour(s.started_local) + 1], 0))
           OR reaches_an_edge(b.edges, s.started_local, s.ended_local))
),
others AS MATERIALIZED (  -- the sessions not priced in one step, kept once for the three paths that read them
    SELECT * FROM (
        SELECT s.session_id, s.session_key, s.user_id, s.installation_id, s.time_zone,
               (s.energy_kwh * 1000)::BIGINT AS energy_wh, epoch_us(s.ended_at) - epoch_us(s.started_at) AS duration_us,
               s.started_at, s.ended_at, s.started_local, s.ended_local, s.energy_details, p.version,
               pricing_path(p.valid_from, p.valid_to, hp.run_hours, s.time_unreliable, s.started_local,
                            s.ended_local, s.started_at, s.ended_at, s.energy_details, b.edges) AS path
        FROM maybe_others s CROSS JOIN bounds b
        LEFT JOIN tariff_periods($as_of) p ON s.period_local::DATE >= p.valid_from AND s.period_local::DATE < p.valid_to
        LEFT JOIN tariff_hour_prices($as_of) hp ON hp.version = p.version AND hp.hour = hour(s.started_local)
    ) WHERE path IN ('even', 'details', 'slices')
),
-- Per price period: each hour's price (index hour + 1) and the hours at which the price changes from
-- the hour before (wrapping midnight). Looked up in lists, not joined by hour: with two joins by hour
-- DuckDB built its hash tables of the sessions (3.6M with bands at 10M), which spilled to disk.
day_lists AS (
    SELECT a.version, list(a.price ORDER BY a.hour) AS price,
           list((a.price * 10000)::BIGINT ORDER BY a.hour) AS price_units,  -- (in 10^-4 of the currency)
           list(((b.price - a.price) * 10000)::BIGINT ORDER BY a.hour) AS step_units,  -- (the hour before's - its own)
           coalesce(list(a.hour ORDER BY a.hour) FILTER (WHERE a.price <> b.price), []) AS changes
    FROM tariff_hour_prices($as_of) a
    JOIN tariff_hour_prices($as_of) b ON b.version = a.version AND b.hour = (a.hour + 23) % 24
    GROUP BY a.version
),
even_parts AS (  -- cut where the price changes; each piece's Wh from wh_until, so they add up to the session's
    SELECT user_id, installation_id, session_key,
           -- sum of (Wh of a piece) x (its price), summed by the cuts instead (Abel): Wh x the last piece's
           -- price, plus at each cut the Wh by then x (the price before it - the price after it)
           energy_wh::HUGEINT * price_units[hour(ended_local - INTERVAL 1 MICROSECOND) + 1]
           + coalesce(list_sum([wh_until(energy_wh, o, duration_us)::HUGEINT * step_units[(o + since_midnight) // 3600000000 % 24 + 1]
                                FOR o IN offsets IF o > 0 AND o < duration_us]), 0) AS units,
           CASE WHEN $per_session THEN
               [{'version': version, 'hour': hour(cuts[i]), 'price': price[hour(cuts[i]) + 1],
                 'wh': wh_until(energy_wh, epoch_us(cuts[i + 1]) - epoch_us(started_local), duration_us)
                       - wh_until(energy_wh, epoch_us(cuts[i]) - epoch_us(started_local), duration_us)}
                FOR i IN range(1, len(cuts))] END AS parts
    FROM (SELECT *,
                 -- its start, every local time inside it at which the price changes, its end
                 CASE WHEN $per_session THEN [started_local] || [started_local + to_microseconds(o) FOR o IN offsets
                                                                 IF o > 0 AND o < duration_us] || [ended_local] END AS cuts
          FROM (SELECT d.user_id, d.installation_id, d.session_key, d.version, d.energy_wh, d.duration_us,
                       d.started_local, d.ended_local, v.price, v.price_units, v.step_units,
                       epoch_us(d.started_local) - epoch_us(d.started_local::DATE) AS since_midnight,
                       -- (from its start, in µs) every time of day at which the price changes, on each of its days
                       flatten([[k * 86400000000 + c * 3600000000 - since_midnight FOR c IN v.changes]
                                FOR k IN range(datediff('day', d.started_local::DATE, d.ended_local::DATE) + 1)])
                           AS offsets
                FROM others d JOIN day_lists v ON v.version = d.version
                WHERE d.path = 'even'))
),
even_costs AS (
    SELECT user_id, installation_id, session_key,
           parts,  -- (a key, not an aggregate: NULL but with $per_session, and then one session a row)
           sum(units) AS units
    FROM even_parts
    GROUP BY ALL
),
detailed AS (  -- each hour's Energy, as a running share of the session's own sum of them (in the list's order)
    SELECT session_id, session_key, user_id, installation_id, time_zone, energy_wh, hours,
           details_wh_until(energy_wh, energies) AS wh_until_hour
    FROM (SELECT *, [x.Energy FOR x IN hours] AS energies
          FROM (SELECT *, from_json(energy_details, '[{"Timestamp":"VARCHAR","Energy":"DOUBLE"}]') AS hours
                FROM others WHERE path = 'details'))
),
detailed_slices AS (
    SELECT session_id, session_key, user_id, installation_id,
           timezone(time_zone, hours[i].Timestamp::TIMESTAMP::TIMESTAMPTZ) AS local_hour,
           wh_until_hour[i] - coalesce(wh_until_hour[i - 1], 0) AS wh
    FROM (SELECT *, unnest(range(1, len(hours) + 1)) AS i FROM detailed)
),
split AS (
    SELECT d.session_id, d.session_key, d.user_id, d.installation_id, d.time_zone, d.energy_wh, d.duration_us,
           d.started_at, d.ended_at,
           unnest(generate_series(date_trunc('hour', d.started_at), d.ended_at, INTERVAL 1 HOUR)) AS h
    FROM others d WHERE d.path = 'slices'
),
even_slices AS (
    SELECT session_id, session_key, user_id, installation_id, timezone(time_zone, h) AS local_hour,
           CASE WHEN duration_us <= 0
                THEN CASE WHEN h = date_trunc('hour', started_at) THEN energy_wh ELSE 0 END
                ELSE wh_until(energy_wh, epoch_us(least(h + INTERVAL 1 HOUR, ended_at)) - epoch_us(started_at),
                              duration_us)
                     - wh_until(energy_wh, epoch_us(greatest(h, started_at)) - epoch_us(started_at), duration_us)
                END AS wh
    FROM split
),
slices AS (
    SELECT user_id, installation_id, session_key, local_hour, wh FROM detailed_slices
    UNION ALL
    SELECT user_id, installation_id, session_key, local_hour, wh FROM even_slices WHERE wh <> 0
),
priced_slices AS (
    SELECT sl.user_id, sl.installation_id, sl.session_key,
           coalesce(sum(sl.wh::HUGEINT * (hp.price * 10000)::BIGINT), 0) AS units,
           coalesce(sum(sl.wh) FILTER (WHERE hp.price IS NULL), 0) AS unpriced_wh,
           list({'version': hp.version, 'hour': hour(sl.local_hour), 'price': hp.price, 'wh': sl.wh})
               FILTER (WHERE $per_session) AS parts
    FROM slices sl
    LEFT JOIN tariff_hour_prices($as_of) hp
           ON sl.local_hour::DATE >= hp.valid_from AND sl.local_hour::DATE < hp.valid_to
          AND hour(sl.local_hour) = hp.hour
    GROUP BY ALL
),
simple_costs AS (
    SELECT user_id, installation_id, session_key,
           -- (a session's own: when a row is a user, not worth a comparison of every session's station)
           min(period_local) FILTER (WHERE $per_session) AS first_local,
           max(ended_local) FILTER (WHERE $per_session) AS last_local,
           min(station_id) FILTER (WHERE $per_session) AS station_id,
           sum(energy_kwh * CASE WHEN time_unreliable THEN base_price ELSE start_price END)
               FILTER (WHERE path = 'simple') AS cost,
           coalesce(sum(energy_kwh) FILTER (WHERE path = 'unpriced'), 0) AS unpriced_kwh,
           count(*) AS sessions, sum(energy_kwh) AS energy_kwh,
           -- the months with a session, a bit each from the period's first month: as a list(DISTINCT)
           -- or grouped by month first, they cost 0.4-0.7 s at 5M sessions
           bitstring_agg(datediff('month', $local_from::DATE, period_local::DATE)::INTEGER, 0,
                         datediff('month', $local_from::DATE, ($local_to - INTERVAL 1 DAY)::DATE)::INTEGER)
               AS month_bits
    FROM dated GROUP BY ALL
)
SELECT c.user_id, c.installation_id, c.sessions, c.energy_kwh::DECIMAL(18, 3) AS energy_kwh,
       (coalesce(c.cost, 0)::DECIMAL(38, 12)
        -- units of 10^-7 (Wh x price in 10^-4) times 10^-7, not divided by 10^7: DuckDB divides DECIMALs
        -- as DOUBLE, which put a 10^-12 error in a year's sum that its sessions' amounts did not have
        + (coalesce(p.units, 0) + coalesce(e.units, 0))::DECIMAL(38, 0) * 0.0000001)::DECIMAL(38, 12) AS energy_cost,
       (c.unpriced_kwh + coalesce(p.unpriced_wh, 0)::DECIMAL(38, 0) * 0.001)::DECIMAL(24, 3) AS unpriced_kwh,
       [(date_trunc('month', $local_from) + to_months(i))::DATE
        FOR i IN range(bit_length(c.month_bits)) IF get_bit(c.month_bits, i::INTEGER) = 1] AS active_months,
       coalesce(u.name, u.email, CASE WHEN c.user_id = '' THEN 'Open charging (no user)' ELSE c.user_id END) AS name,
       u.email, c.session_key AS session_id,
       CASE WHEN $per_session THEN c.first_local END AS first_local,
       CASE WHEN $per_session THEN c.last_local END AS ended_local,
       CASE WHEN $per_session THEN coalesce(st.name, st.device_id, c.station_id) END AS station,
       -- (none for a session of one price: as one-session lists, 150k of them doubled the query's time)
       CASE WHEN $per_session THEN list_concat(coalesce(p.parts, []), coalesce(e.parts, [])) END AS parts
FROM simple_costs c
LEFT JOIN priced_slices p ON p.user_id = c.user_id AND p.installation_id = c.installation_id
                         AND p.session_key IS NOT DISTINCT FROM c.session_key
LEFT JOIN even_costs e ON e.user_id = c.user_id AND e.installation_id = c.installation_id
                      AND e.session_key IS NOT DISTINCT FROM c.session_key
LEFT JOIN users u ON u.user_id = c.user_id
LEFT JOIN stations st ON $per_session AND st.station_id = c.station_id
ORDER BY c.user_id = '', name, c.user_id, c.installation_id, c.first_local, c.session_key

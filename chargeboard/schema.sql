-- The store's tables. Applied at every open; every statement is idempotent.
-- Instants are TIMESTAMPTZ. The *_local columns hold the installation's wall-clock time,
-- derived once at ingest, so every day/month boundary is the installation's own (DST-safe)
-- and period filters stay cheap.

CREATE SEQUENCE IF NOT EXISTS import_id_seq START 1;
CREATE SEQUENCE IF NOT EXISTS export_id_seq START 1;

CREATE TABLE IF NOT EXISTS installations (
    installation_id VARCHAR PRIMARY KEY,
    name            VARCHAR NOT NULL,
    time_zone       VARCHAR NOT NULL DEFAULT 'Europe/Oslo'
);

CREATE TABLE IF NOT EXISTS stations (
    station_id      VARCHAR PRIMARY KEY,   -- the feed's own id (Zaptec ChargerId)
    device_id       VARCHAR,               -- the charger's serial (Zaptec DeviceId)
    name            VARCHAR,
    installation_id VARCHAR NOT NULL
);

CREATE TABLE IF NOT EXISTS users (
    user_id VARCHAR PRIMARY KEY,           -- the feed's own id (Zaptec UserId)
    name    VARCHAR,
    email   VARCHAR
);

-- (An rfid_tags table once said who last used each tag, across every installation and scope;
-- "last used by" is now read from the caller's own scoped sessions.)
DROP TABLE IF EXISTS rfid_tags;

-- No primary key on purpose: the ingest de-duplicates with an anti-join, which is
-- 4x faster than ON CONFLICT and keeps the file 3.5x smaller (stack-facts.md).
CREATE TABLE IF NOT EXISTS sessions (
    session_id       VARCHAR NOT NULL,
    installation_id  VARCHAR NOT NULL,
    station_id       VARCHAR NOT NULL,
    user_id          VARCHAR,
    tag              VARCHAR,
    started_at       TIMESTAMPTZ NOT NULL,
    ended_at         TIMESTAMPTZ NOT NULL,  -- the real end (Zaptec CommitEndDateTime)
    registered_at    TIMESTAMPTZ,           -- when the cloud closed it (Zaptec EndDateTime)
    started_local    TIMESTAMP NOT NULL,
    registered_local TIMESTAMP,
    energy_kwh       DECIMAL(12, 3) NOT NULL, -- exact to the Wh
    offline          BOOLEAN NOT NULL,
    time_unreliable  BOOLEAN NOT NULL,
    void             BOOLEAN NOT NULL,      -- replaced by a corrected session: kept, never counted
    replaced_by      VARCHAR,
    commit_metadata  INTEGER,
    external_id      VARCHAR,
    firmware         VARCHAR,
    signed           BOOLEAN NOT NULL DEFAULT false,
    energy_details   JSON,                  -- [{Timestamp, Energy}], priced hour by hour later
    source_file      VARCHAR NOT NULL,
    import_id        BIGINT NOT NULL
);
-- An unreliable clock gave an impossible start (before 2000, or in the future): the session is
-- kept as the charger reported it, but started_local is the local time the cloud registered it,
-- so it counts on that date, and reports say how many sessions and kWh were placed that way.
ALTER TABLE sessions ADD COLUMN IF NOT EXISTS dated_by_registration BOOLEAN DEFAULT false;
-- The end in the installation's local time, like started_local derived at ingest (and again when the
-- zone changes): converting a year's ends on every statement cost 0.4 s at 5M sessions. A session
-- dated by its registration ends its clock's duration after that: it never ends before it starts
-- (in the history, the statements and the stations' occupancy alike). A store made before the
-- column is filled at its first open (sessions_fill_ended_local.sql).
ALTER TABLE sessions ADD COLUMN IF NOT EXISTS ended_local TIMESTAMP;
CREATE OR REPLACE MACRO local_end(time_zone, started_at, ended_at, registered_at, dated_by_registration) AS
    CASE WHEN dated_by_registration THEN timezone(time_zone, registered_at) + (ended_at - started_at)
         ELSE timezone(time_zone, ended_at) END;
-- Which of two copies of one session the store keeps (README, "Which copy of a session is kept"): the
-- greater rank. A void copy with its replacement named is final; otherwise the copy the cloud registered
-- (else ended) later; at equal times a void copy, then a fixed order of the content (more energy
-- first). The content is part of the rank, so two copies rank equal only when they are the same: the
-- store holds the greatest copy ever loaded, whatever order files come in. `c` is a row of the staged
-- records or of sessions.
CREATE OR REPLACE MACRO session_copy_rank(c) AS {
    'final_void': c.void AND c.replaced_by IS NOT NULL,
    'cloud_time': coalesce(c.registered_at, c.ended_at),
    'void': c.void,
    'content': {'energy_kwh': c.energy_kwh, 'station_id': c.station_id, 'user_id': c.user_id, 'tag': c.tag,
                'started_at': c.started_at, 'ended_at': c.ended_at, 'registered_at': c.registered_at,
                'offline': c.offline, 'time_unreliable': c.time_unreliable, 'replaced_by': c.replaced_by,
                'commit_metadata': c.commit_metadata, 'external_id': c.external_id, 'firmware': c.firmware,
                'signed': c.signed, 'energy_details': c.energy_details::VARCHAR,
                'dated_by_registration': c.dated_by_registration}};

CREATE TABLE IF NOT EXISTS imports (
    import_id       BIGINT PRIMARY KEY,
    file_name       VARCHAR NOT NULL,
    content_sha256  VARCHAR NOT NULL,
    file_bytes      BIGINT NOT NULL,
    format          VARCHAR NOT NULL,
    installation_id VARCHAR,
    started_at      TIMESTAMPTZ NOT NULL,
    finished_at     TIMESTAMPTZ NOT NULL,
    records         BIGINT NOT NULL,
    new_rows        BIGINT NOT NULL,
    duplicate_rows  BIGINT NOT NULL,
    updated_rows    BIGINT NOT NULL,
    rejected_rows   BIGINT NOT NULL
);
-- Records the store already held a newer copy of, and copies a newer copy in the same file won over.
ALTER TABLE imports ADD COLUMN IF NOT EXISTS older_rows BIGINT DEFAULT 0;
ALTER TABLE imports ADD COLUMN IF NOT EXISTS conflicting_rows BIGINT DEFAULT 0;

CREATE TABLE IF NOT EXISTS rejected_rows (
    import_id BIGINT NOT NULL,
    position  BIGINT NOT NULL,   -- line number (CSV) or record number (JSON), 1-based
    location  VARCHAR NOT NULL,  -- the same, said for a person: "line 12", "record 7 (page 2, item 3)"
    raw       VARCHAR,
    reason    VARCHAR NOT NULL
);

-- A station's serial (stations.device_id) changes only by an explicit act, logged here: a feed naming
-- another serial for a stored station is only reported (a charger owner's scope names serials).
CREATE TABLE IF NOT EXISTS station_serial_changes (
    changed_at TIMESTAMPTZ NOT NULL,
    station_id VARCHAR NOT NULL,
    old_serial VARCHAR,
    new_serial VARCHAR NOT NULL,
    changed_by VARCHAR NOT NULL
);

CREATE TABLE IF NOT EXISTS exports (
    export_id   BIGINT PRIMARY KEY,
    username    VARCHAR NOT NULL,
    role        VARCHAR NOT NULL,
    exported_at TIMESTAMPTZ NOT NULL,
    what        VARCHAR NOT NULL,
    file_name   VARCHAR NOT NULL,
    row_count   BIGINT NOT NULL
);

-- The charge-history filters (stations, users, RFID tags) that history, reports and exports
-- share: an empty list means any; '' in the user or tag list stands for "no user" / "no tag".
CREATE OR REPLACE MACRO session_matches_filter(station_id, user_id, tag, station_filter, user_filter, tag_filter) AS
    (len(station_filter) = 0 OR list_contains(station_filter, station_id))
    AND (len(user_filter) = 0 OR list_contains(user_filter, coalesce(user_id, '')))
    AND (len(tag_filter) = 0 OR list_contains(tag_filter, coalesce(tag, '')));

-- The history's offline / unreliable-time filter (chargeboard.history.STATUS_FILTERS names the keys;
-- '' matches every session).
CREATE OR REPLACE MACRO session_matches_status(offline, time_unreliable, status_filter) AS
    CASE status_filter WHEN 'offline' THEN offline
                       WHEN 'unreliable' THEN time_unreliable
                       WHEN 'flagged' THEN offline OR time_unreliable
                       WHEN 'clean' THEN NOT offline AND NOT time_unreliable
                       ELSE true END;

-- The local time a session counts on in reports and the dashboard: its start (default);
-- when the cloud registered it ('registered', as the charger cloud's own report does); or,
-- where asked for and given, the date the system owner corrected it to.
CREATE OR REPLACE MACRO attributed_local(started_local, registered_local, corrected_start, attribute_by, use_corrected) AS
    CASE WHEN use_corrected AND corrected_start IS NOT NULL THEN corrected_start
         WHEN attribute_by = 'registered' THEN coalesce(registered_local, started_local)
         ELSE started_local END;

-- The one place where "who may see which sessions" is written down (in_scope). Every query that
-- reads sessions reads them through scoped_sessions (or the monthly sums through
-- scoped_session_months, the same rule); the store binds the four arguments
-- ($see_all, $user_ids, $station_ids, $dwellings) from the caller's Scope (Scope.sql_params), and
-- tests/test_scope.py fails any query file that reads the sessions table directly.
-- $dwellings (issue 30) is what a resident sees through the dwellings they own (chargeboard/scope.py):
-- `member_ids`, every tag, feed user and station of those dwellings (a cheap first test), and `days`,
-- every membership of every dwelling of those installations as {installation_id, member_id, level
-- (0 tag, 1 feed user, 2 station), valid_from, valid_until, other (0: a day the account owned that
-- dwelling, 1: not)}. A session belongs to the dwelling of its tag first, then of its feed user, then
-- of its station (dwelling_of, below), on the day it counts on (statement_day): the matching
-- membership of the lowest level says whose it is, so the session is seen when that one is the
-- account's own (level * 2 + other is even). A buyer never sees the seller's days, nor a seller the
-- buyer's. With no dwellings (every system owner and charger owner) `member_ids` is empty and the
-- whole part folds away when the query is planned.
CREATE OR REPLACE MACRO in_scope(see_all, user_ids, station_ids, dwellings,
                                 s_installation, s_station, s_user, s_tag, s_day) AS
    see_all OR list_contains(user_ids, s_user) OR list_contains(station_ids, s_station)
    OR (coalesce(len(dwellings['member_ids']), 0) > 0
        AND (list_contains(dwellings['member_ids'], s_tag) OR list_contains(dwellings['member_ids'], s_user)
             OR list_contains(dwellings['member_ids'], s_station))
        AND coalesce(list_min(list_transform(dwellings['days'], lambda m:
                CASE WHEN m.installation_id = s_installation AND s_day >= m.valid_from AND s_day < m.valid_until
                          AND m.member_id = CASE m.level WHEN 0 THEN s_tag WHEN 1 THEN s_user ELSE s_station END
                     THEN m.level * 2 + m.other END)) % 2 = 0, false));

-- The caller's OWN charging (My usage): their feed users' and their dwellings' sessions, never the
-- sessions a charger owner sees on his stations, nor everyone's for a system owner.
CREATE OR REPLACE MACRO in_own_scope(user_ids, dwellings, s_installation, s_station, s_user, s_tag, s_day) AS
    in_scope(false, user_ids, [], dwellings, s_installation, s_station, s_user, s_tag, s_day);

CREATE OR REPLACE MACRO scoped_sessions(see_all, user_ids, station_ids, dwellings) AS TABLE
    SELECT * FROM sessions
    WHERE in_scope(see_all, user_ids, station_ids, dwellings, installation_id, station_id, user_id, tag,
                   -- statement_day(started_local, registered_local, time_unreliable), written out: that
                   -- macro is made further down, and a macro's body is bound when it is made
                   CAST(CASE WHEN time_unreliable THEN coalesce(registered_local, started_local)
                             ELSE started_local END AS DATE));

-- Counted (not void) sessions summed per installation, station, user, RFID tag and local calendar
-- month of their start: a year's report reads some 10^5 of these rows instead of 5M sessions. Each
-- row keeps its station and user, so the same scope rule applies (scoped_session_months). Written
-- only by the queries in queries/derived/ (store.refresh_session_months), in the transaction that changes the sessions (an
-- ingest: the months it touched; a time-zone change: the installation's). kWh exact (DECIMAL).
CREATE TABLE IF NOT EXISTS session_months (
    installation_id                VARCHAR NOT NULL,
    station_id                     VARCHAR NOT NULL,
    user_id                        VARCHAR,
    tag                            VARCHAR,
    month                          DATE NOT NULL,          -- date_trunc('month', started_local)
    session_count                  BIGINT NOT NULL,
    energy_kwh                     DECIMAL(18, 3) NOT NULL,
    charging_seconds               DOUBLE NOT NULL,
    unreliable_sessions            BIGINT NOT NULL,
    unreliable_kwh                 DECIMAL(18, 3) NOT NULL,
    offline_sessions               BIGINT NOT NULL,
    dated_by_registration_sessions BIGINT NOT NULL,
    dated_by_registration_kwh      DECIMAL(18, 3) NOT NULL,
    last_started_at                TIMESTAMPTZ,  -- the newest session with a user, and that user:
    last_user_id                   VARCHAR       -- a tag's "last used by"
);
-- (A store made before the rollup existed is summed once, at its first open: chargeboard.store.)

-- A month's sum knows no day, so a scope with dwellings (dated) never reads the stored sums: it reads
-- one month row per counted session it sees, in session_months' shape (every query sums the rows it
-- reads), and so reads exactly that scope's days. (Not summed here: a GROUP BY in the macro cost every
-- query that reads months some milliseconds of planning, for every scope.)
CREATE OR REPLACE MACRO scoped_session_months(see_all, user_ids, station_ids, dwellings) AS TABLE
    SELECT * FROM session_months
    WHERE coalesce(len(dwellings['member_ids']), 0) = 0
      AND in_scope(see_all, user_ids, station_ids, dwellings, installation_id, station_id, user_id, tag, NULL)
    UNION ALL
    SELECT installation_id, station_id, user_id, tag, date_trunc('month', started_local)::DATE, 1,
           energy_kwh, epoch(ended_at) - epoch(started_at), time_unreliable::INTEGER,
           CASE WHEN time_unreliable THEN energy_kwh ELSE 0 END, offline::INTEGER,
           coalesce(dated_by_registration, false)::INTEGER,
           CASE WHEN dated_by_registration THEN energy_kwh ELSE 0 END,
           CASE WHEN user_id IS NOT NULL THEN started_at END, user_id
    FROM scoped_sessions(see_all, user_ids, station_ids, dwellings)
    WHERE coalesce(len(dwellings['member_ids']), 0) > 0 AND NOT void;

-- Whether a session (by its local start) or a monthly sum (by its month) lies in the whole local months
-- [whole_from, whole_to) that a period query reads from session_months: only when sessions are dated by
-- their start and no corrected date is used (the sums know neither registrations nor corrections).
-- Such a query reads those months' sums and skips their sessions; the days at its edges it reads from
-- the sessions (chargeboard.periods.whole_months gives the bounds).
CREATE OR REPLACE MACRO in_summed_months(local_start, whole_from, whole_to, attribute_by, use_corrected) AS
    attribute_by = 'start' AND NOT use_corrected AND local_start >= whole_from AND local_start < whole_to;

-- Each counted session that starts on its station while an earlier one there is still charging (a
-- station charges one car at a time), beside the earlier one that ends last: Data quality's first
-- anomaly (queries/quality/quality_overlapping_sessions*.sql). Finding them takes a window over every
-- session of a station in start order (Data quality took 16 s at 10M sessions), so they are kept,
-- like the monthly sums: written only by queries/derived/ (store.refresh_session_overlaps), in the
-- transaction that changes the sessions, for the stations it changed and from the first start it
-- changed. No local times here, so a time-zone change leaves them as they are.
CREATE TABLE IF NOT EXISTS session_overlaps (
    installation_id    VARCHAR NOT NULL,
    station_id         VARCHAR NOT NULL,
    session_id         VARCHAR NOT NULL,
    started_at         TIMESTAMPTZ NOT NULL,
    user_id            VARCHAR,
    earlier_session_id VARCHAR NOT NULL,  -- of the same installation and station
    earlier_started_at TIMESTAMPTZ NOT NULL,
    earlier_user_id    VARCHAR
);
-- Derived tables kept for every session: named here by the ingest that first keeps them, so a store
-- with sessions and no name here was made before the table, and derives it at its first open.
CREATE TABLE IF NOT EXISTS derived_tables (name VARCHAR PRIMARY KEY);

-- Both sessions of a pair must be in scope: a row names the earlier one's user.
-- (A row knows no tag nor day: what a scope sees through its dwellings never shows here.)
CREATE OR REPLACE MACRO scoped_session_overlaps(see_all, user_ids, station_ids, dwellings) AS TABLE
    SELECT * FROM session_overlaps
    WHERE in_scope(see_all, user_ids, station_ids, dwellings, installation_id, station_id, user_id, NULL, NULL)
      AND in_scope(see_all, user_ids, station_ids, dwellings, installation_id, station_id, earlier_user_id, NULL, NULL);

-- The scoped sessions that may count in a local period [local_from, local_to), or occupy a station
-- during it. Exact, and fast on a large store: each branch filters on plain comparisons of stored
-- columns, which DuckDB evaluates inside the table scan before it reads the other columns (one
-- expression over every session costs seconds at 10M), and no session is in two branches.
--   1. started in the period (local time);
--   2. started before it and ended (ended_local) less than 26 h before it, so it may still occupy a
--      station (on a time-ordered store the old row groups are skipped by their ended_local range);
--   3. registered in the period, when sessions are dated by registration;
--   4. corrected, when corrected dates are used (a correction may move a session anywhere).
-- Queries read it through this name only; scoped_sessions above still decides who sees what.
CREATE OR REPLACE MACRO scoped_sessions_around(see_all, user_ids, station_ids, dwellings, local_from, local_to,
                                               attribute_by, use_corrected) AS TABLE
    SELECT * FROM scoped_sessions(see_all, user_ids, station_ids, dwellings)
    WHERE started_local >= local_from AND started_local < local_to
    UNION ALL
    -- ended_local is the local start plus the span, moved by any change of UTC offset during the
    -- session (26 h at most: from UTC-12 to UTC+14); for a session dated by registration, exactly that
    SELECT * FROM scoped_sessions(see_all, user_ids, station_ids, dwellings)
    WHERE started_local < local_from AND ended_local > local_from - INTERVAL 26 HOUR
    UNION ALL
    SELECT * FROM scoped_sessions(see_all, user_ids, station_ids, dwellings)
    WHERE attribute_by = 'registered' AND registered_local >= local_from AND registered_local < local_to
      AND (started_local >= local_to
           OR (started_local < local_from AND ended_local <= local_from - INTERVAL 26 HOUR))
    UNION ALL
    SELECT * FROM scoped_sessions(see_all, user_ids, station_ids, dwellings)
    WHERE use_corrected AND session_id IN (SELECT session_id FROM session_corrections)
      AND NOT (started_local >= local_from AND started_local < local_to)
      AND NOT (started_local < local_from AND ended_local > local_from - INTERVAL 26 HOUR)
      AND NOT (attribute_by = 'registered' AND coalesce(registered_local >= local_from AND registered_local < local_to, false));

-- Issue 4: electricity meters, their readings, station standby settings, tariffs.
-- A meter belongs to one installation; readings are a cumulative register (kWh).
CREATE TABLE IF NOT EXISTS meters (
    meter_id        VARCHAR PRIMARY KEY,
    installation_id VARCHAR NOT NULL
);

-- A reading marked `replacement` is the first reading of a new meter (register restarts):
-- no consumption is counted from the reading before it to it.
CREATE TABLE IF NOT EXISTS meter_readings (
    meter_id     VARCHAR NOT NULL,
    read_at      TIMESTAMPTZ NOT NULL,
    register_kwh DECIMAL(14, 3) NOT NULL,
    replacement  BOOLEAN NOT NULL DEFAULT false,
    source       VARCHAR NOT NULL,      -- file name, or 'entered in the app'
    import_id    BIGINT,                -- NULL when entered in the app
    entered_by   VARCHAR,
    entered_at   TIMESTAMPTZ NOT NULL
);

-- Per-station settings for the standby estimate; a station with no row uses the defaults
-- (installed on its first session's day, 4 kWh standby per month).
CREATE TABLE IF NOT EXISTS station_settings (
    station_id        VARCHAR PRIMARY KEY,
    installed_on      DATE,
    standby_kwh_month DECIMAL(8, 3)
);

-- Tariffs are append-only versions: a change adds a row, never rewrites one, so any past
-- statement can be recomputed as it was (tariffs as of its time). For each valid_from the
-- newest version created at or before "as of" applies, until the next valid_from.
-- bands: JSON list of {"from_hour": 22, "to_hour": 6, "price": "0.80"} (local hours, [from, to)).
CREATE SEQUENCE IF NOT EXISTS tariff_version_seq START 1;
CREATE TABLE IF NOT EXISTS tariffs (
    version        BIGINT PRIMARY KEY,
    valid_from     DATE NOT NULL,
    price_per_kwh  DECIMAL(12, 4) NOT NULL,
    bands          JSON,
    monthly_fee    DECIMAL(12, 4) NOT NULL DEFAULT 0,
    currency       VARCHAR NOT NULL DEFAULT 'NOK',
    withdrawn      BOOLEAN NOT NULL DEFAULT false,  -- this version removes the price period at valid_from
    standby_share  VARCHAR NOT NULL DEFAULT 'off',  -- how statements share the standby: off | equal | kwh
    rest_share     VARCHAR NOT NULL DEFAULT 'off',  -- how statements share the unexplained rest
    note           VARCHAR,
    created_at     TIMESTAMPTZ NOT NULL,
    created_by     VARCHAR NOT NULL
);
-- (stores made before the share rules were added get them here)
ALTER TABLE tariffs ADD COLUMN IF NOT EXISTS standby_share VARCHAR DEFAULT 'off';
ALTER TABLE tariffs ADD COLUMN IF NOT EXISTS rest_share VARCHAR DEFAULT 'off';
-- Issue 29: a version may be the bill's formula instead of a flat price (chargeboard/pricing/formula.py;
-- NULL = the flat price and bands above). A formula version keeps price_per_kwh 0 and no bands.
ALTER TABLE tariffs ADD COLUMN IF NOT EXISTS formula JSON;

-- Issue 5: corrected start times for sessions whose time is unreliable (or was registered
-- late). Append-only: a correction never overwrites the session (its started_* columns stay
-- as the charger reported them) nor an earlier correction; the newest correction of a session
-- applies. corrected_start is the installation's wall-clock time, like sessions.started_local.
-- Reports use it only when asked ("use corrected dates", $use_corrected).
CREATE TABLE IF NOT EXISTS session_corrections (
    session_id      VARCHAR NOT NULL,
    corrected_start TIMESTAMP NOT NULL,
    corrected_by    VARCHAR NOT NULL,
    corrected_at    TIMESTAMPTZ NOT NULL,
    note            VARCHAR
);

CREATE OR REPLACE VIEW latest_session_corrections AS
    SELECT session_id, arg_max(corrected_start, corrected_at) AS corrected_start,
           arg_max(corrected_by, corrected_at) AS corrected_by, max(corrected_at) AS corrected_at,
           arg_max(note, corrected_at) AS note, count(*) AS corrections
    FROM session_corrections GROUP BY session_id;

-- The price periods in force "as of" an instant: for each valid_from the newest version
-- created by then; a withdrawn version removes its period. Each runs until the next one.
-- (Redefined in the issue 29 block at the end: the co-op-wide versions only, installation_id IS NULL.)
CREATE OR REPLACE MACRO tariff_periods(as_of) AS TABLE
    WITH latest AS (
        SELECT * FROM tariffs WHERE created_at <= as_of
        QUALIFY row_number() OVER (PARTITION BY valid_from ORDER BY version DESC) = 1
    )
    SELECT version, valid_from,
           lead(valid_from, 1, DATE '9999-12-31') OVER (ORDER BY valid_from) AS valid_to,
           price_per_kwh, bands, monthly_fee, currency, created_at, created_by, standby_share, rest_share, formula
    FROM latest WHERE NOT withdrawn;

-- Flat versions only (formula IS NULL; a formula version is priced by chargeboard/pricing/energy.py). A flat
-- period followed by a formula period keeps its prices over that formula period here: only the flat
-- sessions dated before it read those rows (statement_user_costs.sql leaves the formula period's own
-- sessions out), so a flat session running past midnight into the formula period is priced by its own
-- version, as every session is priced by the version of its dating day. With no formula version this
-- is the list of periods as before.
CREATE OR REPLACE MACRO tariff_hour_prices_only(as_of) AS TABLE
    WITH p AS (
        SELECT * REPLACE (CASE WHEN next_is_formula THEN next_valid_to ELSE valid_to END AS valid_to)
        FROM (SELECT *, lead(formula IS NOT NULL) OVER (ORDER BY valid_from) AS next_is_formula,
                     lead(valid_to) OVER (ORDER BY valid_from) AS next_valid_to
              FROM tariff_periods(as_of))
        WHERE formula IS NULL
    ),
    b AS (
        SELECT p.version, u.band.from_hour AS from_hour, u.band.to_hour AS to_hour, u.band.price AS price, u.n
        FROM p, LATERAL (
            SELECT unnest(from_json(p.bands, '[{"from_hour":"INTEGER","to_hour":"INTEGER","price":"DECIMAL(12,4)"}]'))
                   AS band, generate_subscripts(from_json(p.bands, '["JSON"]'), 1) AS n
        ) u
        WHERE p.bands IS NOT NULL
    )
    SELECT p.version, p.valid_from, p.valid_to, h.hour,
           coalesce(arg_min(b.price, b.n), p.price_per_kwh)::DECIMAL(12, 4) AS price
    FROM p CROSS JOIN (SELECT range AS hour FROM range(24)) h
    LEFT JOIN b ON b.version = p.version
               AND CASE WHEN b.from_hour < b.to_hour THEN h.hour >= b.from_hour AND h.hour < b.to_hour
                        ELSE h.hour >= b.from_hour OR h.hour < b.to_hour END
    GROUP BY p.version, p.valid_from, p.valid_to, h.hour, p.price_per_kwh;

-- The price of every local hour of the day (0-23) in each price period: a time-of-use band's
-- price where one covers the hour ([from_hour, to_hour), wrapping midnight), else the base price.
-- run_hours: how many hours from the start of that hour the price stays the same (100000 when
-- it never changes), so a session inside one run is priced without splitting it into hours.
CREATE OR REPLACE MACRO tariff_hour_prices(as_of) AS TABLE
    WITH hp AS (SELECT * FROM tariff_hour_prices_only(as_of))
    SELECT a.version, a.valid_from, a.valid_to, a.hour, a.price,
           coalesce(min(k.k) FILTER (WHERE b.price <> a.price), 100000) AS run_hours
    FROM hp a CROSS JOIN range(1, 25) k(k)
    JOIN hp b ON b.version = a.version AND b.hour = (a.hour + k.k) % 24
    GROUP BY a.version, a.valid_from, a.valid_to, a.hour, a.price;

-- How many of a session's `wh` it had taken `elapsed` (any unit) into its `duration` (the same unit),
-- spread evenly: the share rounded half up to the Wh, in integers. A piece of the session from a to b
-- holds wh_until(b) - wh_until(a): every piece is whole Wh and the pieces add up to the session's Wh
-- exactly, however it is cut (by hour or by price), so a statement's kWh per price times that price
-- is its amount (statement_user_costs.sql).
CREATE OR REPLACE MACRO wh_until(wh, elapsed, duration) AS
    ((2 * wh::HUGEINT * elapsed + duration) // (2 * duration::HUGEINT))::BIGINT;

-- The sessions in scope that a period of the installation's local time [local_from, local_to) holds, as
-- statements date them: by their start, or by when the cloud registered them when their clock was
-- unreliable. Two disjoint branches, so that the first skips the row groups outside the period.
CREATE OR REPLACE MACRO scoped_sessions_dated(see_all, user_ids, station_ids, dwellings, local_from, local_to) AS TABLE
    SELECT * FROM scoped_sessions(see_all, user_ids, station_ids, dwellings)
    WHERE time_unreliable IS NOT TRUE AND started_local >= local_from AND started_local < local_to
    UNION ALL
    SELECT * FROM scoped_sessions(see_all, user_ids, station_ids, dwellings)
    WHERE time_unreliable AND coalesce(registered_local, started_local) >= local_from
      AND coalesce(registered_local, started_local) < local_to;

-- A session's EnergyDetails as whole Wh: for each hour of `energies` (its Energy values, in the list's
-- order), the Wh taken by that hour's end, as a running share of their sum scaled to the session's `wh`
-- (evenly by hour when they sum to 0); the last is `wh`. Hour i holds element i minus element i - 1.
-- One rule for statements (flat and formula) and the capacity peaks, so they place the same Wh.
CREATE OR REPLACE MACRO details_wh_until(wh, energies) AS
    [CASE WHEN i = len(energies) THEN wh
          WHEN list_sum(energies) > 0 THEN round(wh * list_sum(energies[1:i]) / list_sum(energies))::BIGINT
          ELSE wh_until(wh, i, len(energies)) END
     FOR i IN range(1, len(energies) + 1)];

-- Which way statement_user_costs.sql prices a session (its header says what each way does), from
-- the price period of the session's date (valid_from/valid_to, NULL when none covers it),
-- run_hours of its start hour in that period (tariff_hour_prices) and the first days of every price
-- period (edges). One definition for the query's two reads of the sessions. A session on a day no
-- period covers is unpriced unless it runs into a period's first day: split into hours, every one
-- of them would be unpriced (with no tariff yet, a year at 10M ran out of memory doing so).
CREATE OR REPLACE MACRO reaches_an_edge(edges, started_local, ended_local) AS
    ended_local::DATE > started_local::DATE
    AND coalesce(list_bool_or([e > started_local::DATE AND e <= ended_local::DATE FOR e IN edges]), false);

CREATE OR REPLACE MACRO pricing_path(valid_from, valid_to, run_hours, time_unreliable, started_local, ended_local,
                                     started_at, ended_at, energy_details, edges) AS
    CASE WHEN valid_from IS NULL THEN
              CASE WHEN time_unreliable OR NOT reaches_an_edge(edges, started_local, ended_local) THEN 'unpriced'
                   ELSE 'slices' END
         WHEN time_unreliable THEN 'simple'
         WHEN ended_local <= date_trunc('hour', started_local) + to_hours(run_hours)
              AND ended_local::DATE < valid_to THEN 'simple'
         WHEN energy_details IS NOT NULL AND json_array_length(energy_details) > 0 THEN 'details'
         WHEN ended_local::DATE < valid_to
              AND epoch(ended_local) - epoch(started_local) = epoch(ended_at) - epoch(started_at) THEN 'even'
         ELSE 'slices' END;

-- Issue 10: who issues the statements (the co-op's name and postal address, printed on each
-- statement PDF). One row at most; without it the installation's name is used.
CREATE TABLE IF NOT EXISTS statement_issuer (
    one        BOOLEAN PRIMARY KEY DEFAULT true CHECK (one),
    name       VARCHAR NOT NULL,
    address    VARCHAR NOT NULL DEFAULT '',
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_by VARCHAR NOT NULL
);

-- Issue 9: charger-cloud connections (Zaptec, Easee) and their sync log.
-- The credentials are a Fernet token made with a key kept outside the store
-- (chargeboard/credentials.py); the store never holds them in clear.
CREATE SEQUENCE IF NOT EXISTS connection_id_seq START 1;
CREATE SEQUENCE IF NOT EXISTS sync_run_id_seq START 1;

CREATE TABLE IF NOT EXISTS connections (
    connection_id    BIGINT PRIMARY KEY,
    provider         VARCHAR NOT NULL,            -- 'zaptec' or 'easee'
    label            VARCHAR NOT NULL,            -- shown in the app; never the password
    api_url          VARCHAR NOT NULL,
    secret           VARCHAR NOT NULL,            -- encrypted {username, password}
    cloud_ids        VARCHAR[] NOT NULL DEFAULT [],  -- installations/sites to sync; empty = all it sees
    backfill_from    DATE NOT NULL,
    window_days      INTEGER NOT NULL DEFAULT 45,
    interval_minutes INTEGER NOT NULL DEFAULT 60,
    enabled          BOOLEAN NOT NULL DEFAULT true,
    created_by       VARCHAR,
    created_at       TIMESTAMPTZ NOT NULL
);

-- Which of our installations a cloud installation (Zaptec) or site (Easee) lands in.
CREATE TABLE IF NOT EXISTS cloud_installations (
    provider        VARCHAR NOT NULL,
    cloud_id        VARCHAR NOT NULL,
    installation_id VARCHAR NOT NULL,
    cloud_name      VARCHAR,
    PRIMARY KEY (provider, cloud_id)
);

CREATE TABLE IF NOT EXISTS sync_runs (
    run_id          BIGINT PRIMARY KEY,
    connection_id   BIGINT,                      -- NULL: the command line with credentials from the environment
    provider        VARCHAR NOT NULL,
    cloud_id        VARCHAR,
    installation_id VARCHAR,
    window_from     TIMESTAMPTZ,
    window_to       TIMESTAMPTZ,
    started_at      TIMESTAMPTZ NOT NULL,
    finished_at     TIMESTAMPTZ,
    pages           INTEGER NOT NULL DEFAULT 0,
    new_rows        BIGINT NOT NULL DEFAULT 0,
    updated_rows    BIGINT NOT NULL DEFAULT 0,
    duplicate_rows  BIGINT NOT NULL DEFAULT 0,
    rejected_rows   BIGINT NOT NULL DEFAULT 0,
    import_id       BIGINT,
    error           VARCHAR
);
ALTER TABLE sync_runs ADD COLUMN IF NOT EXISTS older_rows BIGINT DEFAULT 0;
ALTER TABLE sync_runs ADD COLUMN IF NOT EXISTS conflicting_rows BIGINT DEFAULT 0;

-- Issue 29 (tariff formula, kind "cost_price"): the co-op's own electricity and grid invoices per month
-- and meter. A month's cost price per kWh is its invoiced kr / kWh over the installation's meters,
-- rounded to 6 decimals (chargeboard/pricing/formula.py). Append-only: the newest entry of a
-- (installation, month, meter) counts.
CREATE SEQUENCE IF NOT EXISTS cost_price_entry_seq START 1;
CREATE TABLE IF NOT EXISTS cost_prices (
    entry           BIGINT PRIMARY KEY DEFAULT nextval('cost_price_entry_seq'),
    installation_id VARCHAR NOT NULL,
    month           DATE NOT NULL,          -- the month's first day
    meter_id        VARCHAR NOT NULL,
    amount          DECIMAL(14, 2) NOT NULL,  -- kr as invoiced, VAT included
    kwh             DECIMAL(14, 3) NOT NULL,
    entered_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    entered_by      VARCHAR NOT NULL
);

-- Issue 29, part "price data in" (spot prices): the price areas' spot prices per interval (15 or 60
-- minutes, NOK per kWh EXCLUDING VAT), each row from the import (imports, rejected_rows, as every
-- feed) that stored it; the log of fetches from the price API; the optional daily fetch's setting.
CREATE TABLE IF NOT EXISTS spot_prices (
    area        VARCHAR NOT NULL,            -- NO1..NO5
    starts_at   TIMESTAMPTZ NOT NULL,
    ends_at     TIMESTAMPTZ NOT NULL,
    nok_per_kwh DECIMAL(14,6) NOT NULL,
    eur_per_kwh DECIMAL(14,6),
    exr         DECIMAL(14,6),               -- NOK per EUR the price was converted with (the file's or the one given)
    import_id   BIGINT,
    PRIMARY KEY (area, starts_at)
);
-- Who loaded a file (NULL: imports made before this column; session feeds do not set it).
ALTER TABLE imports ADD COLUMN IF NOT EXISTS imported_by VARCHAR;

CREATE SEQUENCE IF NOT EXISTS price_fetch_id_seq START 1;
CREATE TABLE IF NOT EXISTS price_fetches (
    fetch_id         BIGINT PRIMARY KEY,
    area             VARCHAR NOT NULL,
    day_from         DATE NOT NULL,
    day_to           DATE NOT NULL,          -- included
    api_url          VARCHAR NOT NULL,
    started_at       TIMESTAMPTZ NOT NULL,
    finished_at      TIMESTAMPTZ NOT NULL,
    fetched_by       VARCHAR,
    days_stored      INTEGER NOT NULL DEFAULT 0,
    days_unpublished INTEGER NOT NULL DEFAULT 0,
    new_rows         BIGINT NOT NULL DEFAULT 0,
    unchanged_rows   BIGINT NOT NULL DEFAULT 0,
    replaced_rows    BIGINT NOT NULL DEFAULT 0,
    rejected_rows    BIGINT NOT NULL DEFAULT 0,
    error            VARCHAR                 -- NULL: it worked; else why nothing was stored
);

-- The daily fetch (one row at most; none: off).
CREATE TABLE IF NOT EXISTS price_fetch_settings (
    one        BOOLEAN PRIMARY KEY DEFAULT true CHECK (one),
    area       VARCHAR NOT NULL,
    enabled    BOOLEAN NOT NULL,
    api_url    VARCHAR NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_by VARCHAR NOT NULL
);

-- Issue 29, item 4 (capacity and peaks): a meter's interval readings, kWh per hour or per quarter
-- hour as Elhub and HAN readers export them (chargeboard/pricing/intervals.py loads them, the meter
-- CSV form meter_id, from, to, kwh). The meter (meters) ties them to an installation. An interval is
-- [starts_at, ends_at), 15 or 60 minutes, on the quarter hour; a later file's value for the same
-- interval replaces the stored one (import_id: the file that gave it).
CREATE TABLE IF NOT EXISTS meter_intervals (
    meter_id   VARCHAR NOT NULL,
    starts_at  TIMESTAMPTZ NOT NULL,
    ends_at    TIMESTAMPTZ NOT NULL,
    kwh        DECIMAL(14, 3) NOT NULL,
    import_id  BIGINT,
    PRIMARY KEY (meter_id, starts_at)
);

-- Issue 30 (bill the dwelling): the dwelling register. A dwelling (leilighet / seksjon) belongs to one
-- installation; its owners and its members (the feed users, RFID tags and stations that belong to it) are
-- dated: [valid_from, valid_until), valid_until NULL = still. Dates are the installation's local dates.
-- Rows are changed only through chargeboard/billing/dwellings.py, which logs every change
-- (dwelling_changes) and refuses a member in two dwellings on the same day.
CREATE SEQUENCE IF NOT EXISTS dwelling_id_seq START 1;
CREATE TABLE IF NOT EXISTS dwellings (
    dwelling_id     BIGINT PRIMARY KEY,
    installation_id VARCHAR NOT NULL,
    number          VARCHAR NOT NULL,        -- leilighetsnummer (H0101, 12, "A3" …), unique per installation
    section_number  VARCHAR,                 -- seksjonsnummer
    share_number    VARCHAR,                 -- andelsnummer
    note            VARCHAR,
    created_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    created_by      VARCHAR NOT NULL
);
CREATE SEQUENCE IF NOT EXISTS dwelling_owner_id_seq START 1;
CREATE TABLE IF NOT EXISTS dwelling_owners (
    owner_id        BIGINT PRIMARY KEY,
    dwelling_id     BIGINT NOT NULL,
    name            VARCHAR NOT NULL,
    email           VARCHAR,                 -- lower-cased; where statements are e-mailed
    customer_number VARCHAR,                 -- at the business manager / in the accounting system
    language        VARCHAR,                 -- 'nb' / 'en' for the e-mail and PDF; NULL = the co-op's default
    valid_from      DATE NOT NULL,
    valid_until     DATE                     -- the first day no longer owned (NULL = still owns it)
);
CREATE TABLE IF NOT EXISTS dwelling_members (
    dwelling_id     BIGINT NOT NULL,
    kind            VARCHAR NOT NULL CHECK (kind IN ('user', 'tag', 'station')),
    member_id       VARCHAR NOT NULL,        -- sessions.user_id / sessions.tag / sessions.station_id
    valid_from      DATE NOT NULL,
    valid_until     DATE
);
CREATE TABLE IF NOT EXISTS dwelling_changes (
    changed_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    changed_by      VARCHAR NOT NULL,
    dwelling_id     BIGINT,
    action          VARCHAR NOT NULL,        -- e.g. 'add', 'set', 'owner add', 'owner end', 'member add', 'member end'
    detail          VARCHAR NOT NULL DEFAULT ''
);

-- The day a session counts on in statements and billing: its local start; a session whose clock is
-- unreliable, the day the cloud registered it (as scoped_sessions_dated dates it).
CREATE OR REPLACE MACRO statement_day(started_local, registered_local, time_unreliable) AS
    CAST(CASE WHEN time_unreliable THEN coalesce(registered_local, started_local) ELSE started_local END AS DATE);

-- The dwelling a session belongs to: the one whose member it matches on the day it counts on, in
-- this order: its RFID tag, else its feed user, else its station (who charged pays, before whose
-- parking space it was). NULL: no dwelling (listed, never dropped). The register allows a member in one
-- dwelling a day, so at most one dwelling matches at each level.
CREATE OR REPLACE MACRO dwelling_of(installation, station, usr, tg, day) AS (
    SELECT arg_min(m.dwelling_id, CASE m.kind WHEN 'tag' THEN 1 WHEN 'user' THEN 2 ELSE 3 END)
    FROM dwelling_members m JOIN dwellings d ON d.dwelling_id = m.dwelling_id
    WHERE d.installation_id = installation
      AND day >= m.valid_from AND (m.valid_until IS NULL OR day < m.valid_until)
      AND ((m.kind = 'tag' AND m.member_id = tg) OR (m.kind = 'user' AND m.member_id = usr)
           OR (m.kind = 'station' AND m.member_id = station)));

-- Issue 30: billing runs. A run closes a period for the whole store (every installation): it keeps
-- every session it billed (billing_run_sessions, the session's Wh and exact cost as billed) and the
-- amounts per dwelling and payer (billing_run_lines). Closed runs are never changed; a reopening makes
-- a correction run (differences only). chargeboard/billing/runs.py writes these tables, nothing else.
CREATE SEQUENCE IF NOT EXISTS billing_run_seq START 1;
CREATE TABLE IF NOT EXISTS billing_runs (
    run_id          BIGINT PRIMARY KEY,
    kind            VARCHAR NOT NULL CHECK (kind IN ('regular', 'correction')),
    period_from     DATE NOT NULL,
    period_to       DATE NOT NULL,           -- included
    payer_rule      VARCHAR NOT NULL CHECK (payer_rule IN ('owner_at_end', 'by_ownership')),
    minimum_amount  DECIMAL(18, 2) NOT NULL DEFAULT 0,
    currency        VARCHAR NOT NULL,
    corrects_run    BIGINT,                  -- a correction run: the run it corrects
    closed_at       TIMESTAMPTZ NOT NULL,
    closed_by       VARCHAR NOT NULL,
    tariff_versions VARCHAR NOT NULL,        -- JSON: the tariff versions the amounts were priced with
    price_sources   VARCHAR NOT NULL,        -- JSON: the spot-price imports used (import ids, files)
    summary         VARCHAR NOT NULL DEFAULT '' -- what the run says (late sessions, carry-overs …), JSON
);
CREATE TABLE IF NOT EXISTS billing_run_sessions (
    run_id          BIGINT NOT NULL,
    session_id      VARCHAR NOT NULL,
    installation_id VARCHAR NOT NULL,
    day             DATE NOT NULL,           -- statement_day
    dwelling_id     BIGINT,                  -- NULL: belonged to no dwelling (listed in the run, billed to no one)
    payer_owner_id  BIGINT,
    energy_wh       BIGINT NOT NULL,
    raw_cost        DECIMAL(28, 10) NOT NULL, -- exact, as priced when billed
    late            BOOLEAN NOT NULL         -- dated before the run's period: billed late
);
CREATE TABLE IF NOT EXISTS billing_run_lines (
    run_id          BIGINT NOT NULL,
    line_no         INTEGER NOT NULL,
    dwelling_id     BIGINT NOT NULL,
    payer_owner_id  BIGINT,
    kind            VARCHAR NOT NULL CHECK (kind IN ('period', 'late', 'carried_in', 'correction', 'fees')),
    day_from        DATE NOT NULL,           -- the dates the line is for (a late line: its sessions' own period)
    day_to          DATE NOT NULL,
    session_count   INTEGER NOT NULL DEFAULT 0,
    energy_wh       BIGINT NOT NULL DEFAULT 0,
    amount          DECIMAL(18, 2) NOT NULL, -- incl. VAT, rounded once to the øre
    vat             DECIMAL(18, 2) NOT NULL DEFAULT 0,
    text            VARCHAR NOT NULL DEFAULT '',
    PRIMARY KEY (run_id, line_no)
);
-- A dwelling's total under the run's minimum is carried to the next run, not billed in this one.
CREATE TABLE IF NOT EXISTS billing_carry_overs (
    run_id          BIGINT NOT NULL,         -- the run that carried it
    dwelling_id     BIGINT NOT NULL,
    payer_owner_id  BIGINT,
    amount          DECIMAL(18, 2) NOT NULL,
    vat             DECIMAL(18, 2) NOT NULL DEFAULT 0,
    taken_by_run    BIGINT,                  -- the run that billed it (NULL: still carried)
    PRIMARY KEY (run_id, dwelling_id)
);
CREATE TABLE IF NOT EXISTS billing_run_events (
    run_id          BIGINT NOT NULL,
    happened_at     TIMESTAMPTZ NOT NULL DEFAULT now(),
    done_by         VARCHAR NOT NULL,
    action          VARCHAR NOT NULL,        -- 'close', 'reopen', 'export', 'invoice', 'mail'
    detail          VARCHAR NOT NULL DEFAULT ''
);
-- The co-op's billing settings (one row): how runs bill and how invoices look.
CREATE TABLE IF NOT EXISTS billing_settings (
    one             BOOLEAN PRIMARY KEY DEFAULT true CHECK (one),
    payer_rule      VARCHAR NOT NULL DEFAULT 'owner_at_end',
    minimum_amount  DECIMAL(18, 2) NOT NULL DEFAULT 0,
    account_number  VARCHAR,                 -- the co-op's bank account (11 digits, MOD11-checked)
    kid_method      VARCHAR NOT NULL DEFAULT 'mod10' CHECK (kid_method IN ('mod10', 'mod11')),
    due_days        INTEGER NOT NULL DEFAULT 14,
    vat_rate        DECIMAL(6, 4) NOT NULL DEFAULT 0.25, -- VAT in a flat price (a formula tariff's own VAT wins)
    line_text       VARCHAR,                 -- the text on the business manager's line ("Lading {period}")
    updated_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_by      VARCHAR NOT NULL
);
-- Invoices of runs where the co-op invoices residents itself: numbers are a sequence, never reused.
CREATE SEQUENCE IF NOT EXISTS invoice_number_seq START 1;
CREATE TABLE IF NOT EXISTS invoices (
    invoice_number  BIGINT PRIMARY KEY,
    run_id          BIGINT NOT NULL,
    dwelling_id     BIGINT NOT NULL,
    payer_owner_id  BIGINT,
    kid             VARCHAR NOT NULL,
    invoice_date    DATE NOT NULL,
    due_date        DATE NOT NULL,
    amount          DECIMAL(18, 2) NOT NULL,
    vat             DECIMAL(18, 2) NOT NULL,
    UNIQUE (run_id, dwelling_id, payer_owner_id)  -- a sale under by_ownership: one invoice per payer
);

-- Issue 30 (and 31): outgoing mail. The SMTP settings (one row; the password encrypted like the cloud
-- logins, chargeboard/credentials.py) and the send log: one row per message key (e.g. 'run 7 dwelling 12
-- owner 3'), written 'sending' before the SMTP transaction and 'sent' / 'refused' / 'failed' after, so a
-- double click or a restart never sends a message twice (chargeboard/mail/).
CREATE TABLE IF NOT EXISTS mail_settings (
    one             BOOLEAN PRIMARY KEY DEFAULT true CHECK (one),
    host            VARCHAR NOT NULL,
    port            INTEGER NOT NULL,
    security        VARCHAR NOT NULL CHECK (security IN ('starttls', 'tls', 'none')),
    username        VARCHAR,
    password_token  VARCHAR,                 -- encrypted
    sender          VARCHAR NOT NULL,        -- "Borettslaget <styret@example.no>"
    updated_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_by      VARCHAR NOT NULL
);
CREATE TABLE IF NOT EXISTS mail_log (
    message_key     VARCHAR PRIMARY KEY,
    batch           VARCHAR NOT NULL,        -- e.g. 'run 7'
    recipient       VARCHAR NOT NULL,
    subject         VARCHAR NOT NULL,
    status          VARCHAR NOT NULL CHECK (status IN ('sending', 'sent', 'refused', 'failed')),
    detail          VARCHAR NOT NULL DEFAULT '',  -- the server's answer
    attempts        INTEGER NOT NULL DEFAULT 0,
    first_at        TIMESTAMPTZ NOT NULL DEFAULT now(),
    last_at         TIMESTAMPTZ NOT NULL DEFAULT now(),
    sent_by         VARCHAR NOT NULL
);

-- Issue 30, files (the files for whoever collects the money, invoices, billing settings): the KID's layout
-- (the invoice number alone, or the owner's customer number and the invoice number), the account of each
-- invoice and the record of every change of the billing settings (who, when, what), written by chargeboard/billing/billing_settings.py.
ALTER TABLE billing_settings ADD COLUMN IF NOT EXISTS kid_layout VARCHAR DEFAULT 'invoice';
-- The account an invoice asks to be paid to, as it was when issued (a later change of the settings
-- never changes an issued invoice's PDF).
ALTER TABLE invoices ADD COLUMN IF NOT EXISTS account_number VARCHAR;
CREATE TABLE IF NOT EXISTS billing_settings_changes (
    changed_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    changed_by      VARCHAR NOT NULL,
    detail          VARCHAR NOT NULL         -- English, e.g. "account_number: (none) -> 1234.56.78903"
);

-- Issue 30, billing (runs.py): what a run billed per session and per fee, so that later runs bill only
-- differences. A session row's kind: 'period' (dated in the run's period), 'late' (dated in an earlier
-- closed period and billed by no run before), 'correction' (a difference: its energy changed after it
-- was billed, or a reopening moved it); a session's rows over all runs add up to it as last billed.
-- raw_vat: the exact VAT in raw_cost. billing_run_fees: the fixed monthly fee billed for a dwelling's
-- active month (dated `day`: the month's first day in the period), exact, with its VAT.
ALTER TABLE billing_run_sessions ADD COLUMN IF NOT EXISTS kind VARCHAR DEFAULT 'period';
ALTER TABLE billing_run_sessions ADD COLUMN IF NOT EXISTS raw_vat DECIMAL(28, 10) DEFAULT 0;
CREATE TABLE IF NOT EXISTS billing_run_fees (
    run_id          BIGINT NOT NULL,
    dwelling_id     BIGINT NOT NULL,
    payer_owner_id  BIGINT,
    day             DATE NOT NULL,
    fee             DECIMAL(28, 10) NOT NULL,
    raw_vat         DECIMAL(28, 10) NOT NULL
);

-- Issue 29, part "tariff per installation": a formula version may be one installation's own
-- (installation_id; NULL = co-op-wide, as every version before). An installation's chain is the co-op-wide
-- versions plus its own, by valid_from; on the same valid_from its own wins (its own withdrawn version
-- gives the date back to the co-op-wide one). Only formula versions name an installation: the flat price
-- and bands, the monthly fee, the share rules and the currency stay the co-op-wide chain's.
ALTER TABLE tariffs ADD COLUMN IF NOT EXISTS installation_id VARCHAR;
-- (as above, the co-op-wide chain only; the macros that read it expand it when they run)
CREATE OR REPLACE MACRO tariff_periods(as_of) AS TABLE
    WITH latest AS (
        SELECT * FROM tariffs WHERE created_at <= as_of AND installation_id IS NULL
        QUALIFY row_number() OVER (PARTITION BY valid_from ORDER BY version DESC) = 1
    )
    SELECT version, valid_from,
           lead(valid_from, 1, DATE '9999-12-31') OVER (ORDER BY valid_from) AS valid_to,
           price_per_kwh, bands, monthly_fee, currency, created_at, created_by, standby_share, rest_share, formula
    FROM latest WHERE NOT withdrawn;
-- The chain of every installation that has versions of its own (as of an instant): its own periods and the
-- co-op-wide ones, each running until the next of either. Installations without versions of their own
-- follow tariff_periods.
CREATE OR REPLACE MACRO tariff_installation_periods(as_of) AS TABLE
    WITH own AS (
        SELECT * FROM tariffs WHERE created_at <= as_of AND installation_id IS NOT NULL
        QUALIFY row_number() OVER (PARTITION BY installation_id, valid_from ORDER BY version DESC) = 1
    ),
    chained AS (SELECT DISTINCT installation_id FROM own WHERE NOT withdrawn),
    both_chains AS (
        SELECT c.installation_id, p.*, 1 AS rank FROM chained c CROSS JOIN tariff_periods(as_of) p
        UNION ALL
        SELECT o.installation_id, o.version, o.valid_from, NULL AS valid_to, o.price_per_kwh, o.bands, o.monthly_fee,
               o.currency, o.created_at, o.created_by, o.standby_share, o.rest_share, o.formula, 0 AS rank
        FROM own o WHERE NOT o.withdrawn
    ),
    merged AS (
        SELECT * FROM both_chains
        QUALIFY row_number() OVER (PARTITION BY installation_id, valid_from ORDER BY rank) = 1
    )
    SELECT installation_id, version, valid_from,
           lead(valid_from, 1, DATE '9999-12-31') OVER (PARTITION BY installation_id ORDER BY valid_from) AS valid_to,
           price_per_kwh, bands, monthly_fee, currency, created_at, created_by, standby_share, rest_share, formula,
           rank = 0 AS own
    FROM merged;

-- Issue 30: a run's line keeps the dwelling's numbers and the payer's name, e-mail, customer number and
-- language as they were when the run was closed, so re-exporting a closed run gives the same bytes after
-- the register changes (a corrected name, a new customer number). NULL: read from the register.
ALTER TABLE billing_run_lines ADD COLUMN IF NOT EXISTS dwelling_number VARCHAR;
ALTER TABLE billing_run_lines ADD COLUMN IF NOT EXISTS section_number VARCHAR;
ALTER TABLE billing_run_lines ADD COLUMN IF NOT EXISTS share_number VARCHAR;
ALTER TABLE billing_run_lines ADD COLUMN IF NOT EXISTS payer_name VARCHAR;
ALTER TABLE billing_run_lines ADD COLUMN IF NOT EXISTS payer_email VARCHAR;
ALTER TABLE billing_run_lines ADD COLUMN IF NOT EXISTS payer_customer_number VARCHAR;
ALTER TABLE billing_run_lines ADD COLUMN IF NOT EXISTS payer_language VARCHAR;

-- Issue 31, item 3 (the first-run checklist, chargeboard/onboarding.py): whether a system owner hid the
-- checklist's box on the landing page, for every system owner of this store until shown again (the whole
-- list stays on Data sources). One row at most; none: shown while a step is left.
CREATE TABLE IF NOT EXISTS onboarding_settings (
    one        BOOLEAN PRIMARY KEY DEFAULT true CHECK (one),
    box_hidden BOOLEAN NOT NULL DEFAULT false,
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_by VARCHAR NOT NULL
);

-- Issue 29, the year's capacity shares in one pass (capyear): the Wh of hour h (its number since 1970 in
-- UTC) of a session spread evenly over [start_us, end_us) (epoch µs), whose first and last hours are h0
-- and h1, for h0 <= h <= h1: W(the hour's end) - W(its start), W(x) = wh_until(energy_wh, x, duration),
-- W(0) = 0, W(duration) = energy_wh (a session that ends before it starts: all in its first hour). Where
-- `fits` (2 x Wh x (duration + an hour) + duration fits in a BIGINT), W at the start of hour h0 + j is
-- (a + b x j) // dd with a = 2 Wh (h0's start - start) + duration, b = 2 Wh x an hour, dd = 2 x duration
-- (the session's, computed once per session; NULL where not fits): the same integers without HUGEINT.
-- One definition for capacity_charger_hours.sql's two uses.
CREATE OR REPLACE MACRO even_piece_wh(energy_wh, start_us, end_us, h0, h1, fits, a, b, dd, h) AS
    CASE WHEN end_us <= start_us THEN CASE WHEN h = h0 THEN energy_wh ELSE 0 END
         WHEN fits THEN CASE WHEN h = h1 THEN energy_wh ELSE (a + b * (h - h0 + 1)) // dd END
                        - CASE WHEN h = h0 THEN 0 ELSE (a + b * (h - h0)) // dd END
         ELSE wh_until(energy_wh, least((h + 1) * 3600000000, end_us) - start_us, end_us - start_us)
              - wh_until(energy_wh, greatest(h * 3600000000, start_us) - start_us, end_us - start_us)
    END;

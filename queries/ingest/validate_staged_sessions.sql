-- Types and checks every record of a feed. A row with a reject reason is kept as a rejected
-- row; a row without one becomes a session. The reason's text before " — " is its kind
-- (what the ingest summary groups by); after it, the details of this row.
-- ingest.py runs this as: CREATE TEMP TABLE staged AS WITH staged_raw AS (<the feed's
-- records query>), <this file> — one pass over the file, no intermediate table.
-- Every conversion is a TRY_CAST and every value is classified by the CASE below: DuckDB may
-- evaluate an expression on rows a filter would have excluded (stack-facts.md, trap 17), so
-- one plain CAST of one absurd value would fail the whole file instead of rejecting its row.
-- $file_time is when the file was made (the ingest's own time): a reliable clock cannot have
-- started a session more than a day after it.
typed AS (
    SELECT r.*,
           try_cast(start_text AS TIMESTAMPTZ) AS started_at,
           try_cast(end_text AS TIMESTAMPTZ) AS ended_at,
           try_cast(registered_text AS TIMESTAMPTZ) AS registered_at,
           try_cast(energy_text AS DOUBLE) AS energy_double,
           try_cast(metadata_text AS INTEGER) AS commit_metadata,
           -- The CSV's flags (lower case here): English, Norwegian, and Norwegian Excel's SANN/USANN.
           CASE WHEN offline_text IN ('true', '1', 'yes', 'ja', 'sann') THEN true
                WHEN offline_text IN ('false', '0', 'no', 'nei', 'usann') OR offline_text IS NULL THEN false
           END AS offline_flag,
           CASE WHEN unreliable_text IN ('true', '1', 'yes', 'ja', 'sann') THEN true
                WHEN unreliable_text IN ('false', '0', 'no', 'nei', 'usann') OR unreliable_text IS NULL THEN false
           END AS unreliable_flag
    FROM staged_raw r
),
flagged AS (
    SELECT *,
           -- CommitMetadata bits: 1 Online, 2 Offline, 4 ReliableClock, 32 Void.
           coalesce((commit_metadata & 2) <> 0, false) OR coalesce(offline_flag, false) AS offline,
           coalesce((commit_metadata & 4) = 0, false) OR coalesce(unreliable_flag, false) AS time_unreliable,
           coalesce((commit_metadata & 32) <> 0, false) OR (replaced_by IS NOT NULL AND replaced_by <> '') AS void,
           epoch(ended_at) - epoch(started_at) AS duration_seconds,
           -- A time a clock can have given: not before 2000, not more than a day after the file.
           coalesce(started_at >= TIMESTAMPTZ '2000-01-01 00:00:00+00'
                    AND started_at <= $file_time + INTERVAL 1 DAY, false) AS start_possible,
           coalesce(ended_at >= TIMESTAMPTZ '2000-01-01 00:00:00+00'
                    AND ended_at <= $file_time + INTERVAL 1 DAY, false) AS end_possible,
           coalesce(registered_at >= TIMESTAMPTZ '2000-01-01 00:00:00+00'
                    AND registered_at <= $file_time + INTERVAL 1 DAY, false) AS registered_possible
    FROM typed
),
dated AS (
    SELECT *,
           -- An unreliable clock's start is impossible also when it is more than a year before the
           -- cloud registered the session, or after it: a charger whose clock restarted at
           -- 2000-01-01 after a power cut, not one that stayed offline for 25 years.
           time_unreliable AND NOT (start_possible AND (registered_at IS NULL OR coalesce(
               started_at >= registered_at - INTERVAL 366 DAY AND started_at <= registered_at + INTERVAL 1 DAY,
               false))) AS dated_by_registration
    FROM flagged
),
-- Session ids and stations are the store's own across installations: a feed for another
-- installation never changes them (README, "Session identity"). Both lists are empty in a
-- store with one installation.
elsewhere AS (
    SELECT f.*, other_session.installation_id AS session_elsewhere,
           other_station.installation_id AS station_elsewhere
    FROM dated f
    LEFT JOIN (SELECT session_id, installation_id FROM sessions WHERE installation_id <> $installation_id)
        other_session ON other_session.session_id = f.session_id
    LEFT JOIN (SELECT station_id, installation_id FROM stations WHERE installation_id <> $installation_id)
        other_station ON other_station.station_id = f.station_id
),
checked AS (
SELECT position, location, raw,
       session_id, station_id, device_id, station_name, user_id, user_name, lower(trim(user_email)) AS user_email, tag,
       started_at, ended_at, registered_at,
       offline, time_unreliable, void, nullif(replaced_by, '') AS replaced_by, commit_metadata,
       external_id, firmware, signed, energy_details, energy_double,
       -- An unreliable clock's impossible start is kept: the session counts on the date the
       -- cloud registered it, and reports say how many sessions and kWh were placed so.
       dated_by_registration,
       CASE
           WHEN record_problem IS NOT NULL THEN record_problem
           WHEN session_id IS NULL OR trim(session_id) = '' THEN 'missing session id'
           WHEN station_id IS NULL OR trim(station_id) = '' THEN 'missing charging station'
           WHEN start_text IS NULL THEN 'missing start time'
           WHEN started_at IS NULL THEN 'unparseable start time — ' || start_text
           WHEN end_text IS NULL THEN 'missing end time'
           WHEN ended_at IS NULL THEN 'unparseable end time — ' || end_text
           WHEN registered_text IS NOT NULL AND registered_at IS NULL
               THEN 'unparseable registration time — ' || registered_text
           WHEN ended_at < started_at
               THEN 'end before start — ' || end_text || ' is before ' || start_text
           WHEN energy_text IS NULL THEN 'missing energy'
           WHEN energy_double IS NULL OR isnan(energy_double) OR isinf(energy_double)
               THEN 'unparseable energy — ' || energy_text
           WHEN energy_double < 0 THEN 'negative energy — ' || energy_text || ' kWh'
           WHEN energy_double >= 1e9 THEN 'energy impossible for the duration — ' || energy_text || ' kWh'
           WHEN offline_flag IS NULL THEN 'unparseable offline flag — ' || offline_text
           WHEN unreliable_flag IS NULL THEN 'unparseable time_unreliable flag — ' || unreliable_text
           WHEN registered_text IS NOT NULL AND NOT registered_possible
               THEN 'registration time out of range — ' || registered_text
                    || ' is before 2000 or more than a day after the file was made'
           WHEN NOT time_unreliable AND started_at < TIMESTAMPTZ '2000-01-01 00:00:00+00'
               THEN 'start before 2000 — ' || start_text
           WHEN NOT time_unreliable AND NOT start_possible
               THEN 'start in the future — ' || start_text || ' is more than a day after the file was made'
           WHEN NOT time_unreliable AND NOT end_possible
               THEN 'end in the future — ' || end_text || ' is more than a day after the file was made'
           WHEN dated_by_registration AND NOT registered_possible
               THEN 'impossible time and no registration time — the clock was unreliable and '
                    || start_text || ' cannot be right'
           -- A clock that is known to be wrong says nothing about the duration: no power check,
           -- but no more than a week at full power either.
           WHEN NOT time_unreliable
                AND energy_double > $max_kw * duration_seconds / 3600.0 * $margin + $slack_kwh
               THEN 'energy impossible for the duration — '
                    || round(energy_double, 3) || ' kWh in ' || round(duration_seconds / 60.0, 1)
                    || ' min is more than a ' || $max_kw || ' kW charger delivers'
           WHEN time_unreliable AND energy_double > $max_kw * 24 * 7 * $margin
               THEN 'energy impossible for one session — ' || round(energy_double, 3)
                    || ' kWh is more than a ' || $max_kw || ' kW charger delivers in a week'
           WHEN session_elsewhere IS NOT NULL
               THEN 'session belongs to another installation — ' || session_id
                    || ' is stored for installation ' || session_elsewhere
           WHEN station_elsewhere IS NOT NULL
               THEN 'charging station belongs to another installation — ' || station_id
                    || ' is in installation ' || station_elsewhere
       END AS reason
FROM elsewhere
)
SELECT * EXCLUDE (raw, energy_double),
       CASE WHEN reason IS NULL THEN try_cast(round(energy_double, 3) AS DECIMAL(12, 3)) END AS energy_kwh,
       CASE WHEN reason IS NOT NULL THEN to_json(raw)::VARCHAR END AS raw
FROM checked

-- Types and checks every record of a feed. A row with a reject reason is kept as a rejected
-- row; a row without one becomes a session. The reason's text before " — " is its kind
-- (what the ingest summary groups by); after it, the details of this row.
-- ingest.py runs this as: CREATE TEMP TABLE staged AS WITH staged_raw AS (<the feed's
-- records query>), <this file> — one pass over the file, no intermediate table.
typed AS (
    SELECT r.*,
           try_cast(start_text AS TIMESTAMPTZ) AS started_at,
           try_cast(end_text AS TIMESTAMPTZ) AS ended_at,
           try_cast(registered_text AS TIMESTAMPTZ) AS registered_at,
           try_cast(energy_text AS DOUBLE) AS energy_double,
           try_cast(metadata_text AS INTEGER) AS commit_metadata,
           CASE WHEN offline_text IN ('true', '1', 'yes') THEN true
                WHEN offline_text IN ('false', '0', 'no') OR offline_text IS NULL THEN false END AS offline_flag,
           CASE WHEN unreliable_text IN ('true', '1', 'yes') THEN true
                WHEN unreliable_text IN ('false', '0', 'no') OR unreliable_text IS NULL THEN false END AS unreliable_flag
    FROM staged_raw r
),
flagged AS (
    SELECT *,
           -- CommitMetadata bits: 1 Online, 2 Offline, 4 ReliableClock, 32 Void.
           coalesce((commit_metadata & 2) <> 0, false) OR coalesce(offline_flag, false) AS offline,
           coalesce((commit_metadata & 4) = 0, false) OR coalesce(unreliable_flag, false) AS time_unreliable,
           coalesce((commit_metadata & 32) <> 0, false) OR (replaced_by IS NOT NULL AND replaced_by <> '') AS void,
           epoch(ended_at) - epoch(started_at) AS duration_seconds
    FROM typed
),
checked AS (
SELECT position, location, raw,
       session_id, station_id, device_id, station_name, user_id, user_name, lower(trim(user_email)) AS user_email, tag,
       started_at, ended_at, registered_at,
       round(energy_double, 3)::DECIMAL(12, 3) AS energy_kwh,
       offline, time_unreliable, void, nullif(replaced_by, '') AS replaced_by, commit_metadata,
       external_id, firmware, signed, energy_details,
       CASE
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
           -- A clock that is known to be wrong says nothing about the duration: no power check.
           WHEN NOT time_unreliable
                AND energy_double > $max_kw * duration_seconds / 3600.0 * $margin + $slack_kwh
               THEN 'energy impossible for the duration — '
                    || round(energy_double, 3) || ' kWh in ' || round(duration_seconds / 60.0, 1)
                    || ' min is more than a ' || $max_kw || ' kW charger delivers'
       END AS reason
FROM flagged
)
SELECT * EXCLUDE (raw), CASE WHEN reason IS NOT NULL THEN to_json(raw)::VARCHAR END AS raw FROM checked

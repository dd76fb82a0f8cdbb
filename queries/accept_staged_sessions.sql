-- The valid staged rows, one per session id (the last one in the file wins), typed for
-- the sessions table and classified against what the store holds: new, duplicate
-- (same content) or updated (same id, changed content). A session is identified by its
-- installation and id; validate_staged_sessions.sql has already rejected an id that another
-- installation holds.
CREATE OR REPLACE TEMP TABLE incoming AS
WITH last_in_file AS (
    SELECT * EXCLUDE (copy_no) FROM (
        SELECT *, row_number() OVER (PARTITION BY session_id ORDER BY position DESC) AS copy_no
        FROM staged WHERE reason IS NULL
    ) WHERE copy_no = 1
),
prepared AS (
    SELECT session_id, $installation_id AS installation_id, station_id, user_id, tag,
           started_at, ended_at, registered_at,
           -- An impossible start from an unreliable clock counts on the date the cloud registered it.
           timezone($time_zone, CASE WHEN dated_by_registration THEN registered_at ELSE started_at END) AS started_local,
           timezone($time_zone, registered_at) AS registered_local,
           energy_kwh, offline, time_unreliable, void, replaced_by, commit_metadata,
           external_id, firmware, signed, energy_details, dated_by_registration,
           device_id, station_name, user_name, user_email, position
    FROM last_in_file
)
SELECT p.*,
       CASE WHEN s.session_id IS NULL THEN 'new'
            WHEN (p.installation_id, p.station_id, p.user_id, p.tag, p.started_at, p.ended_at,
                  p.registered_at, p.energy_kwh, p.offline, p.time_unreliable, p.void,
                  p.replaced_by, p.commit_metadata, p.external_id, p.firmware, p.signed,
                  p.energy_details::VARCHAR, p.dated_by_registration)
                 IS NOT DISTINCT FROM
                 (s.installation_id, s.station_id, s.user_id, s.tag, s.started_at, s.ended_at,
                  s.registered_at, s.energy_kwh, s.offline, s.time_unreliable, s.void,
                  s.replaced_by, s.commit_metadata, s.external_id, s.firmware, s.signed,
                  s.energy_details::VARCHAR, s.dated_by_registration)
                 THEN 'duplicate'
            ELSE 'updated' END AS status
FROM prepared p LEFT JOIN sessions s USING (session_id, installation_id)

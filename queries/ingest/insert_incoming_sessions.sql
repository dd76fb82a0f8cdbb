-- New and updated sessions, typed for the sessions table (an unchanged or newer stored one is left alone).
INSERT INTO sessions BY NAME
SELECT session_id, $installation_id AS installation_id, station_id, user_id, tag,
       started_at, ended_at, registered_at,
       -- An impossible start from an unreliable clock counts on the date the cloud registered it.
       timezone($time_zone, CASE WHEN dated_by_registration THEN registered_at ELSE started_at END) AS started_local,
       timezone($time_zone, registered_at) AS registered_local, 
       local_end($time_zone, started_at, ended_at, registered_at, dated_by_registration) AS ended_local,
       energy_kwh, offline, time_unreliable, void, replaced_by, commit_metadata,
       external_id, firmware, signed, energy_details, dated_by_registration,
       $source_file AS source_file, $import_id AS import_id
FROM incoming i
WHERE NOT EXISTS (SELECT 1 FROM stored_status k WHERE k.session_id = i.session_id AND k.status IN ('duplicate', 'older'))
ORDER BY started_local

INSERT INTO sessions BY NAME
SELECT session_id, installation_id, station_id, user_id, tag, started_at, ended_at, registered_at,
       started_local, registered_local, energy_kwh, offline, time_unreliable, void, replaced_by,
       commit_metadata, external_id, firmware, signed, energy_details, dated_by_registration,
       $source_file AS source_file, $import_id AS import_id
FROM incoming WHERE status IN ('new', 'updated')

-- Raw sessions from a Zaptec charge-history feed (GET /api/chargehistory) given as a bare
-- list of records (or one record a line). Every field stays text here, so a bad value is
-- rejected with its reason instead of failing the file; validate_staged_sessions.sql types
-- and checks it. Fields the feed adds that are not named here are ignored.
WITH records AS (
    SELECT row_number() OVER () AS position, *
    FROM read_json($path, format = 'auto', maximum_object_size = $max_object_bytes,
        columns = {Id: 'VARCHAR', ChargerId: 'VARCHAR', DeviceId: 'VARCHAR', DeviceName: 'VARCHAR',
                   UserId: 'VARCHAR', UserFullName: 'VARCHAR', UserEmail: 'VARCHAR', UserUserName: 'VARCHAR',
                   TokenName: 'VARCHAR', StartDateTime: 'VARCHAR', EndDateTime: 'VARCHAR',
                   CommitEndDateTime: 'VARCHAR', Energy: 'VARCHAR', CommitMetadata: 'VARCHAR',
                   ReplacedBySessionId: 'VARCHAR', ExternalId: 'VARCHAR', ChargerFirmwareVersion: 'VARCHAR',
                   SignedSession: 'VARCHAR', EnergyDetails: 'JSON'})
)
SELECT position,
       'record ' || position AS location,
       records AS raw,                      -- the record as a struct; text only if rejected
       Id AS session_id,
       coalesce(ChargerId, DeviceId) AS station_id,
       DeviceId AS device_id,
       DeviceName AS station_name,
       UserId AS user_id,
       UserFullName AS user_name,
       coalesce(UserEmail, UserUserName) AS user_email,
       TokenName AS tag,
       StartDateTime AS start_text,
       coalesce(CommitEndDateTime, EndDateTime) AS end_text,   -- CommitEndDateTime is the real end
       EndDateTime AS registered_text,                         -- when the cloud closed it
       Energy AS energy_text,
       CommitMetadata AS metadata_text,
       NULL::VARCHAR AS offline_text,
       NULL::VARCHAR AS unreliable_text,
       ReplacedBySessionId AS replaced_by,
       ExternalId AS external_id,
       ChargerFirmwareVersion AS firmware,
       coalesce(SignedSession, '') <> '' AS signed,
       EnergyDetails AS energy_details,
       NULL::VARCHAR AS record_problem       -- see zaptec_json_records_with_non_objects.sql
FROM records

-- zaptec_json_records.sql for a list in which some value is not a record (`[{...}, 5, {...}]`):
-- each value is read as JSON, an object's fields by name, and any other value is a rejected
-- record with its position (the typed read fails the whole file on one such value, so this
-- slower read is used only after it did). Same columns as zaptec_json_records.sql.
WITH items AS (
    SELECT row_number() OVER () AS position, json AS item
    FROM read_json($path, format = 'auto', records = false, maximum_object_size = $max_object_bytes,
                   columns = {json: 'JSON'})
)
SELECT position,
       'record ' || position AS location,
       item AS raw,
       item ->> 'Id' AS session_id,
       coalesce(item ->> 'ChargerId', item ->> 'DeviceId') AS station_id,
       item ->> 'DeviceId' AS device_id,
       item ->> 'DeviceName' AS station_name,
       item ->> 'UserId' AS user_id,
       item ->> 'UserFullName' AS user_name,
       coalesce(item ->> 'UserEmail', item ->> 'UserUserName') AS user_email,
       item ->> 'TokenName' AS tag,
       item ->> 'StartDateTime' AS start_text,
       coalesce(item ->> 'CommitEndDateTime', item ->> 'EndDateTime') AS end_text,
       item ->> 'EndDateTime' AS registered_text,
       item ->> 'Energy' AS energy_text,
       item ->> 'CommitMetadata' AS metadata_text,
       NULL::VARCHAR AS offline_text,
       NULL::VARCHAR AS unreliable_text,
       item ->> 'ReplacedBySessionId' AS replaced_by,
       item ->> 'ExternalId' AS external_id,
       item ->> 'ChargerFirmwareVersion' AS firmware,
       coalesce(item ->> 'SignedSession', '') <> '' AS signed,
       CASE WHEN json_type(item -> 'EnergyDetails') <> 'NULL' THEN item -> 'EnergyDetails' END AS energy_details,
       CASE WHEN json_type(item) <> 'OBJECT'
            THEN 'record is not an object — ' || left(item::VARCHAR, 80) END AS record_problem
FROM items

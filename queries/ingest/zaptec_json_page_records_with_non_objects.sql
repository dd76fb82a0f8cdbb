-- zaptec_json_page_records.sql for pages in which some value of "Data" is not a record
-- (`"Data": [{...}, 5, {...}]`): see zaptec_json_records_with_non_objects.sql.
WITH pages AS (
    SELECT row_number() OVER () AS page_no, Data
    FROM read_json($path, format = 'auto', maximum_object_size = $max_object_bytes, columns = {Data: 'JSON[]'})
),
records AS (
    SELECT page_no, unnest(range(1, len(Data) + 1)) AS item_no, unnest(Data) AS item FROM pages
)
SELECT page_no * 100000000 + item_no AS position,
       'page ' || page_no || ', record ' || item_no AS location,
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
FROM records

-- Raw sessions from a Zaptec charge-history feed given as response pages:
-- {"Pages": n, "Data": [...]}, or a list (or one a line) of such pages. Same columns as
-- zaptec_json_records.sql; position is page number × 10^8 + place in the page.
WITH pages AS (
    SELECT row_number() OVER () AS page_no, Data
    FROM read_json($path, format = 'auto', maximum_object_size = $max_object_bytes,
        columns = {Data: 'STRUCT(Id VARCHAR, ChargerId VARCHAR, DeviceId VARCHAR, DeviceName VARCHAR,
                   UserId VARCHAR, UserFullName VARCHAR, UserEmail VARCHAR, UserUserName VARCHAR,
                   TokenName VARCHAR, StartDateTime VARCHAR, EndDateTime VARCHAR,
                   CommitEndDateTime VARCHAR, Energy VARCHAR, CommitMetadata VARCHAR,
                   ReplacedBySessionId VARCHAR, ExternalId VARCHAR, ChargerFirmwareVersion VARCHAR,
                   SignedSession VARCHAR, EnergyDetails JSON)[]'})
),
records AS (
    SELECT page_no, unnest(range(1, len(Data) + 1)) AS item_no, unnest(Data) AS r FROM pages
)
SELECT page_no * 100000000 + item_no AS position,
       'page ' || page_no || ', record ' || item_no AS location,
       r AS raw,                            -- the record as a struct; text only if rejected
       r.Id AS session_id,
       coalesce(r.ChargerId, r.DeviceId) AS station_id,
       r.DeviceId AS device_id,
       r.DeviceName AS station_name,
       r.UserId AS user_id,
       r.UserFullName AS user_name,
       coalesce(r.UserEmail, r.UserUserName) AS user_email,
       r.TokenName AS tag,
       r.StartDateTime AS start_text,
       coalesce(r.CommitEndDateTime, r.EndDateTime) AS end_text,
       r.EndDateTime AS registered_text,
       r.Energy AS energy_text,
       r.CommitMetadata AS metadata_text,
       NULL::VARCHAR AS offline_text,
       NULL::VARCHAR AS unreliable_text,
       r.ReplacedBySessionId AS replaced_by,
       r.ExternalId AS external_id,
       r.ChargerFirmwareVersion AS firmware,
       coalesce(r.SignedSession, '') <> '' AS signed,
       r.EnergyDetails AS energy_details,
       NULL::VARCHAR AS record_problem       -- see zaptec_json_records_with_non_objects.sql
FROM records

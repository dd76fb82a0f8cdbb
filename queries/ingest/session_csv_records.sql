-- Raw sessions from the generic CSV feed (columns in README.md). All text: typed later.
-- Lines that are not well-formed CSV are not dropped: store_rejects keeps them, and
-- ingest.py records them as rejected rows with their line number. Optional columns a
-- file leaves out come back NULL through the empty UNION ALL BY NAME row. A copy written by
-- csv_dialect.rewrite names each record's line in the file (chargeboard_line); otherwise the
-- reader's count is the line, corrected by renumber_csv_lines.sql where lines were skipped.
WITH file_rows AS (
    SELECT * FROM read_csv($path, header = true, all_varchar = true, store_rejects = true,
                           delim = ',', quote = '"', escape = '"')
),
numbered AS (
    SELECT row_number() OVER () + 1 AS read_position, file_rows AS raw, *
    FROM file_rows
),
all_columns AS (
    SELECT * FROM numbered
    UNION ALL BY NAME
    SELECT NULL::BIGINT AS read_position, NULL::VARCHAR AS chargeboard_line,
           NULL::VARCHAR AS session_id, NULL::VARCHAR AS station_id, NULL::VARCHAR AS station_name,
           NULL::VARCHAR AS user_id, NULL::VARCHAR AS user_name, NULL::VARCHAR AS user_email,
           NULL::VARCHAR AS tag, NULL::VARCHAR AS started_at, NULL::VARCHAR AS ended_at,
           NULL::VARCHAR AS registered_at, NULL::VARCHAR AS energy_kwh,
           NULL::VARCHAR AS offline, NULL::VARCHAR AS time_unreliable
    WHERE false
)
SELECT coalesce(try_cast(chargeboard_line AS BIGINT), read_position) AS position,
       'line ' || coalesce(try_cast(chargeboard_line AS BIGINT), read_position) AS location,  -- header: line 1
       raw,
       nullif(trim(session_id), '') AS session_id,
       nullif(trim(station_id), '') AS station_id,
       nullif(trim(station_id), '') AS device_id,
       nullif(trim(station_name), '') AS station_name,
       nullif(trim(user_id), '') AS user_id,
       nullif(trim(user_name), '') AS user_name,
       nullif(trim(user_email), '') AS user_email,
       nullif(trim(tag), '') AS tag,
       nullif(trim(started_at), '') AS start_text,
       nullif(trim(ended_at), '') AS end_text,
       nullif(trim(registered_at), '') AS registered_text,
       nullif(trim(energy_kwh), '') AS energy_text,
       NULL::VARCHAR AS metadata_text,
       nullif(lower(trim(offline)), '') AS offline_text,
       nullif(lower(trim(time_unreliable)), '') AS unreliable_text,
       NULL::VARCHAR AS replaced_by,
       NULL::VARCHAR AS external_id,
       NULL::VARCHAR AS firmware,
       false AS signed,
       NULL::JSON AS energy_details,
       NULL::VARCHAR AS record_problem       -- see zaptec_json_records_with_non_objects.sql
FROM all_columns

-- The most frequent reason an import rejected records (its kind, as rejected_by_reason.sql counts
-- them), how many, and the first full reason of that kind (it names the station or installation).
SELECT split_part(reason, ' — ', 1) AS kind, count(*) AS n, min(reason) AS example
FROM rejected_rows WHERE import_id = $import_id
GROUP BY ALL ORDER BY n DESC, kind
LIMIT 1

-- A spot-price import's rejected rows by kind, for its summary.
SELECT split_part(reason, ' — ', 1) AS reason, count(*) AS n
FROM rejected_rows WHERE import_id = $import_id GROUP BY ALL ORDER BY n DESC, reason

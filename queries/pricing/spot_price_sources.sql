-- Which imports (files) the spot prices of an area in [$starts_from, $starts_to) came from, for a
-- statement's note: file name (NULL when not recorded), intervals, first and last local day covered
-- (in $time_zone).
SELECT i.file_name, count(*) AS intervals, min(timezone($time_zone, p.starts_at))::DATE AS first_day,
       max(timezone($time_zone, p.ends_at - INTERVAL 1 MICROSECOND))::DATE AS last_day
FROM spot_prices p LEFT JOIN imports i USING (import_id)
WHERE p.area = $area AND p.starts_at >= $starts_from AND p.starts_at < $starts_to
GROUP BY i.file_name ORDER BY first_day, i.file_name

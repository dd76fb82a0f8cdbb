-- Per price area: the first and last local day with prices, how many intervals, their lengths (minutes).
SELECT area,
       (min(starts_at) AT TIME ZONE $time_zone)::DATE AS first_day,
       ((max(ends_at) - INTERVAL 1 MICROSECOND) AT TIME ZONE $time_zone)::DATE AS last_day,
       count(*) AS intervals,
       list_sort(list_distinct(list((epoch(ends_at) - epoch(starts_at)) // 60)))::INTEGER[] AS minutes
FROM spot_prices
GROUP BY area
ORDER BY area

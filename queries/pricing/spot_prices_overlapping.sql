-- The stored prices of an area that overlap [$from, $to), in time order.
SELECT starts_at, ends_at, nok_per_kwh, eur_per_kwh, exr
FROM spot_prices
WHERE area = $area AND starts_at < $to AND ends_at > $from
ORDER BY starts_at

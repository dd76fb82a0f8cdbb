-- An area's prices in [$from, $to): what the pricing engine reads, in time order.
SELECT starts_at, ends_at, nok_per_kwh
FROM spot_prices
WHERE area = $area AND starts_at >= $from AND starts_at < $to
ORDER BY starts_at

-- An area's spot prices (NOK per kWh excl. VAT) of the intervals starting in [$starts_from, $starts_to).
SELECT starts_at, ends_at, nok_per_kwh FROM spot_prices
WHERE area = $area AND starts_at >= $starts_from AND starts_at < $starts_to
ORDER BY starts_at

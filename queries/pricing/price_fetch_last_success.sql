-- When an area's prices were last fetched without an error.
SELECT max(finished_at) FROM price_fetches WHERE area = $area AND error IS NULL

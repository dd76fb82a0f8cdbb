-- When an area's prices were last fetched, whatever came of it (the daily fetch tries at most once an hour).
SELECT max(started_at) FROM price_fetches WHERE area = $area

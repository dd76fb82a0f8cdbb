-- The price fetches, newest first.
SELECT fetch_id, area, day_from, day_to, api_url, started_at, finished_at, fetched_by, days_stored,
       days_unpublished, new_rows, unchanged_rows, replaced_rows, rejected_rows, error
FROM price_fetches ORDER BY fetch_id DESC LIMIT $limit

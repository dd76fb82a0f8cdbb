INSERT INTO price_fetches (fetch_id, area, day_from, day_to, api_url, started_at, finished_at, fetched_by,
                           days_stored, days_unpublished, new_rows, unchanged_rows, replaced_rows, rejected_rows, error)
VALUES (nextval('price_fetch_id_seq'), $area, $day_from, $day_to, $api_url, $started_at, now(), $fetched_by,
        $days_stored, $days_unpublished, $new_rows, $unchanged_rows, $replaced_rows, $rejected_rows, $error)

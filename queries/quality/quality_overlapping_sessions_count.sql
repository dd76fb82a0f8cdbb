-- How many sessions quality_overlapping_sessions.sql lists (the Data quality tab's count), by the same
-- rule and the same window, carrying only the two times the rule reads of the earlier session instead
-- of everything its list shows: Data quality's counts on the 10M bench store took 16 s instead of 32 s (BENCHMARKS.md).
-- Keep the two files' rule the same (tests/test_quality.py checks that they agree).
WITH s AS (
    SELECT * FROM scoped_sessions($see_all, $user_ids, $station_ids) WHERE NOT void AND NOT time_unreliable
),
running AS (  -- for each session, the end of the earlier session on its station that ends last, and its start
    SELECT started_at, ended_at,
           arg_max(started_at, ended_at) OVER earlier AS a_started_at,
           max(ended_at) OVER earlier AS a_ended_at
    FROM s
    WINDOW earlier AS (PARTITION BY station_id ORDER BY started_at, session_id
                       ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)
)
SELECT count(*) FROM running WHERE started_at < a_ended_at AND a_started_at < ended_at

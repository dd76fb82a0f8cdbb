-- How many tags quality_shared_tags.sql lists (the Data quality tab's count: tags, not its rows of
-- tag and user), from the monthly sums alone, by the same rule.
SELECT count(*) FROM (
    SELECT tag FROM scoped_session_months($see_all, $user_ids, $station_ids, $dwellings)
    WHERE tag IS NOT NULL AND user_id IS NOT NULL
    GROUP BY tag HAVING count(DISTINCT user_id) > 1
)

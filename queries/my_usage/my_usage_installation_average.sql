-- THE ONE PLACE A RESIDENT'S PAGE READS BEYOND ITS SCOPE (README: "My usage and privacy").
--
-- "How do I compare with my neighbours?" needs everyone's kWh, which the resident may not see.
-- This query reads every session of the installations the caller charges in (scoped_sessions
-- with see_all = true, deliberately), but returns ONE row of aggregates only, for two periods:
-- the number of active residents (distinct users with counted charging) and the average kWh per
-- active resident. No user id, name, tag, station or single figure leaves this query, and the
-- average is NULL (hidden) when fewer than $min_residents (5) residents were active: with two, a
-- resident could subtract their own figure and read the other's, and with a handful, guess.
-- Complete months only ($local_to is the first of the running month): a running month's average
-- moves with every session, so two visits a session apart would differ by that one neighbour's
-- session / residents, which anyone can multiply back; a complete month does not move.
-- tests/test_my_usage.py checks all three. Open charging (no user) is not a resident.
WITH mine AS (
    SELECT DISTINCT installation_id
    FROM scoped_sessions($see_all, $user_ids, $station_ids, $dwellings) s
    WHERE in_own_scope($user_ids, $dwellings, s.installation_id, s.station_id, s.user_id, s.tag, statement_day(s.started_local, s.registered_local, s.time_unreliable))
),
everyone AS (
    SELECT s.user_id, s.started_local, s.energy_kwh
    FROM scoped_sessions(true, [], [], NULL) s
    WHERE s.installation_id IN (SELECT installation_id FROM mine)
      AND s.user_id IS NOT NULL AND NOT s.void
      AND s.started_local >= least($month_from, $year_from) AND s.started_local < $local_to
),
per_user AS (
    SELECT user_id,
           sum(energy_kwh) FILTER (WHERE started_local >= $month_from) AS month_kwh,
           sum(energy_kwh) FILTER (WHERE started_local >= $year_from) AS year_kwh
    FROM everyone GROUP BY user_id
),
agg AS (
    SELECT count(*) FILTER (WHERE month_kwh > 0) AS month_residents,
           avg(month_kwh) FILTER (WHERE month_kwh > 0) AS month_avg,
           count(*) FILTER (WHERE year_kwh > 0) AS year_residents,
           avg(year_kwh) FILTER (WHERE year_kwh > 0) AS year_avg
    FROM per_user
)
SELECT month_residents,
       CASE WHEN month_residents >= $min_residents THEN round(month_avg, 1)::DECIMAL(18, 1) END AS month_avg_kwh,
       year_residents,
       CASE WHEN year_residents >= $min_residents THEN round(year_avg, 1)::DECIMAL(18, 1) END AS year_avg_kwh
FROM agg

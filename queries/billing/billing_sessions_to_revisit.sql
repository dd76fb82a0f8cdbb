-- The closed regular runs whose period holds a session that must be billed again: counted now and billed
-- by no run (a late upload), or whose Wh now differ from what the runs billed for it (an updated copy;
-- a voided one: 0). A session is placed by its statement_day now, else by the day it was billed on.
WITH counted AS (
    SELECT s.session_id, statement_day(s.started_local, s.registered_local, s.time_unreliable) AS day,
           (s.energy_kwh * 1000)::BIGINT AS wh
    FROM scoped_sessions($see_all, $user_ids, $station_ids, $dwellings) s
    WHERE NOT s.void
),
billed AS (
    SELECT session_id, min(day) AS day, sum(energy_wh) AS wh FROM billing_run_sessions GROUP BY session_id
),
changed AS (
    SELECT coalesce(c.day, b.day) AS day
    FROM counted c FULL JOIN billed b USING (session_id)
    WHERE (b.session_id IS NULL) OR coalesce(c.wh, 0) <> coalesce(b.wh, 0)
)
SELECT DISTINCT r.run_id, r.period_from, r.period_to, r.payer_rule
FROM changed x JOIN billing_runs r
  ON r.kind = 'regular' AND x.day >= r.period_from AND x.day <= r.period_to
ORDER BY r.period_from, r.run_id

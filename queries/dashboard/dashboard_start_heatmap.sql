-- Sessions starting per ISO weekday (1 = Monday) and local hour of day, in [$local_from, $local_to),
-- in scope. Uses the session's own start (the corrected one when $use_corrected): this chart is
-- about when people plug in, so the date the cloud registered a session says nothing here.
WITH dated AS (
    SELECT attributed_local(s.started_local, NULL, c.corrected_start, 'start', $use_corrected) AS start_local
    FROM scoped_sessions($see_all, $user_ids, $station_ids, $dwellings) s
    LEFT JOIN latest_session_corrections c USING (session_id)
    WHERE NOT s.void
      AND (len($installation_filter) = 0 OR list_contains($installation_filter, s.installation_id))
)
SELECT isodow(start_local) AS weekday, hour(start_local) AS hour, count(*) AS sessions
FROM dated
WHERE start_local >= $local_from AND start_local < $local_to
GROUP BY ALL
ORDER BY weekday, hour

-- Each session's end in its installation's local time, where a store made before the column lacks it.
UPDATE sessions s SET ended_local = timezone(i.time_zone, s.ended_at)
FROM installations i
WHERE i.installation_id = s.installation_id AND s.ended_local IS NULL

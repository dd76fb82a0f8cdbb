-- Each session's end in its installation's local time, where a store made before the column lacks it.
UPDATE sessions s SET ended_local = local_end(i.time_zone, s.started_at, s.ended_at, s.registered_at,
                                              s.dated_by_registration)
FROM installations i
WHERE i.installation_id = s.installation_id AND s.ended_local IS NULL

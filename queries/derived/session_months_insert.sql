-- Sum counted (not void) sessions per installation, station, user, tag and local month of their
-- start into session_months (schema.sql), for the months session_months_delete.sql just forgot.
INSERT INTO session_months
SELECT installation_id, station_id, user_id, tag,
       date_trunc('month', started_local)::DATE AS month,
       count(*) AS session_count,
       sum(energy_kwh)::DECIMAL(18, 3) AS energy_kwh,
       sum(epoch(ended_at) - epoch(started_at)) AS charging_seconds,
       count(*) FILTER (WHERE time_unreliable) AS unreliable_sessions,
       coalesce(sum(energy_kwh) FILTER (WHERE time_unreliable), 0)::DECIMAL(18, 3) AS unreliable_kwh,
       count(*) FILTER (WHERE offline) AS offline_sessions,
       count(*) FILTER (WHERE dated_by_registration) AS dated_by_registration_sessions,
       coalesce(sum(energy_kwh) FILTER (WHERE dated_by_registration), 0)::DECIMAL(18, 3) AS dated_by_registration_kwh,
       max(started_at) FILTER (WHERE user_id IS NOT NULL) AS last_started_at,
       arg_max(user_id, started_at) FILTER (WHERE user_id IS NOT NULL) AS last_user_id
FROM sessions
WHERE NOT void
  AND ($installation_id IS NULL OR installation_id = $installation_id)
  AND ($all_months OR list_contains($months, date_trunc('month', started_local)::DATE))
GROUP BY installation_id, station_id, user_id, tag, month

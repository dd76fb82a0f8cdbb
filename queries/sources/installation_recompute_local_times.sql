-- A changed time zone moves every stored session's local day and hour with it
-- (the *_local columns are derived from the instants and the installation's zone; a session whose
-- clock was impossible starts, as at ingest, at its registration's local time).
UPDATE sessions
SET started_local = timezone($time_zone, CASE WHEN dated_by_registration THEN registered_at ELSE started_at END),
    registered_local = timezone($time_zone, registered_at),
    ended_local = local_end($time_zone, started_at, ended_at, registered_at, dated_by_registration)
WHERE installation_id = $installation_id

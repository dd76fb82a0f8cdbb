-- A changed time zone moves every stored session's local day and hour with it
-- (the *_local columns are derived from the instants and the installation's zone).
UPDATE sessions
SET started_local = timezone($time_zone, started_at), registered_local = timezone($time_zone, registered_at)
WHERE installation_id = $installation_id

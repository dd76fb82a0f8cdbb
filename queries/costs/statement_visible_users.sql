-- Whose statements the caller may see: everyone's for the system owner; otherwise only the
-- caller's own feed users (a charger owner sees the sessions on their stations, but not the
-- statements of the residents who charged there).
SELECT DISTINCT coalesce(user_id, '') AS user_id
FROM scoped_sessions($see_all, $user_ids, $station_ids, $dwellings)
WHERE $see_all OR list_contains($user_ids, user_id)

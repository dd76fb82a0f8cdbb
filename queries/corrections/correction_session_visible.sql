-- Is this session one the caller may see (and not void)? Checked before a correction is recorded.
SELECT count(*) > 0 AS visible
FROM scoped_sessions($see_all, $user_ids, $station_ids, $dwellings) s
WHERE s.session_id = $session_id AND NOT s.void

-- Whether a stored session lacks its local end (a store made before sessions.ended_local).
SELECT EXISTS (SELECT 1 FROM sessions WHERE ended_local IS NULL)

-- Whether the monthly sums (session_months) were never made for this store's counted sessions.
SELECT NOT EXISTS (SELECT 1 FROM session_months) AND EXISTS (SELECT 1 FROM sessions WHERE NOT void)

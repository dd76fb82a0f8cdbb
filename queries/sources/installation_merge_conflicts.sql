-- Session ids stored in both installations of a merge: merged, one session would be counted twice,
-- so the merge is refused and names them (the first few; n says how many).
SELECT count(*) OVER () AS n, a.session_id
FROM (SELECT DISTINCT session_id FROM sessions WHERE installation_id = $into_id) a
SEMI JOIN (SELECT session_id FROM sessions WHERE installation_id = $source_id) b ON b.session_id = a.session_id
ORDER BY a.session_id
LIMIT 5

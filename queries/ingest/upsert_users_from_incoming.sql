-- Users as the newest record in the feed names them (not a copy older than the stored one).
INSERT INTO users (user_id, name, email)
SELECT user_id, arg_max(user_name, position), arg_max(user_email, position)
FROM incoming i
WHERE user_id IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM stored_status k WHERE k.session_id = i.session_id AND k.status = 'older')
GROUP BY user_id
ON CONFLICT (user_id) DO UPDATE SET
    name = coalesce(excluded.name, users.name),
    email = coalesce(excluded.email, users.email)

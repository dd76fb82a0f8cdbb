-- Users as the newest record in the feed names them.
INSERT INTO users (user_id, name, email)
SELECT user_id, arg_max(user_name, position), arg_max(user_email, position)
FROM incoming WHERE user_id IS NOT NULL GROUP BY user_id
ON CONFLICT (user_id) DO UPDATE SET
    name = coalesce(excluded.name, users.name),
    email = coalesce(excluded.email, users.email)

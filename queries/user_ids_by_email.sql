-- Feed users whose e-mail matches a login account's: a resident's own sessions.
SELECT user_id FROM users WHERE lower(trim(email)) = $email ORDER BY user_id

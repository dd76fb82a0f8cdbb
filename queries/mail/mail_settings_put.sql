-- Replace the SMTP settings (one row). $password_token is already encrypted (chargeboard.credentials).
INSERT INTO mail_settings (one, host, port, security, username, password_token, sender, updated_at, updated_by)
VALUES (true, $host, $port, $security, $username, $password_token, $sender, now(), $updated_by)
ON CONFLICT (one) DO UPDATE SET
    host = excluded.host, port = excluded.port, security = excluded.security, username = excluded.username,
    password_token = excluded.password_token, sender = excluded.sender, updated_at = excluded.updated_at,
    updated_by = excluded.updated_by

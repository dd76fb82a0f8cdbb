-- The one row of SMTP settings (the password as its encrypted token).
SELECT host, port, security, username, password_token, sender, updated_at, updated_by
FROM mail_settings
WHERE one

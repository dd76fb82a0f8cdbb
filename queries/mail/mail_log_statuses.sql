-- The status and attempts of each of these message keys that has a row.
SELECT message_key, status, attempts
FROM mail_log
WHERE list_contains($message_keys, message_key)

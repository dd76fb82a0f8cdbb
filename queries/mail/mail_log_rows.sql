-- The send log for the page and `mail log`: one batch, or every batch ($batch NULL), newest first.
SELECT batch, message_key, recipient, subject, status, detail, attempts, first_at, last_at, sent_by
FROM mail_log
WHERE $batch IS NULL OR batch = $batch
ORDER BY last_at DESC, message_key

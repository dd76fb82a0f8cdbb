-- The outcome of one claimed message: 'sent', 'refused' or 'failed', with the server's answer.
UPDATE mail_log SET status = $status, detail = $detail, last_at = now()
WHERE message_key = $message_key AND status = 'sending'

-- A claimed message whose fate is unknown (the connection broke after the message was handed over):
-- it stays 'sending', with what happened.
UPDATE mail_log SET detail = $detail, last_at = now()
WHERE message_key = $message_key AND status = 'sending'

-- Claim one message for sending: a new key, or one whose last try was refused or failed.
-- Returns the key only when this call claimed it; a key already 'sent' or 'sending' returns nothing.
-- $unknown_too: also a 'sending' row (left by a crash; only on an explicit resend), and only while it
-- has the attempts this call saw ($seen_attempts): two explicit resends at once claim it once.
INSERT INTO mail_log (message_key, batch, recipient, subject, status, detail, attempts, first_at, last_at, sent_by)
VALUES ($message_key, $batch, $recipient, $subject, 'sending', '', 1, now(), now(), $sent_by)
ON CONFLICT (message_key) DO UPDATE SET
    status = 'sending', recipient = excluded.recipient, subject = excluded.subject, detail = '',
    attempts = mail_log.attempts + 1, last_at = now(), sent_by = excluded.sent_by
WHERE mail_log.status IN ('refused', 'failed')
   OR ($unknown_too AND mail_log.status = 'sending' AND mail_log.attempts = $seen_attempts)
RETURNING message_key

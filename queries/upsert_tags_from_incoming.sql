-- Each RFID tag with the user it was most recently used by.
INSERT INTO rfid_tags (tag, user_id)
SELECT tag, arg_max(user_id, started_at) FROM incoming WHERE tag IS NOT NULL GROUP BY tag
ON CONFLICT (tag) DO UPDATE SET user_id = coalesce(excluded.user_id, rfid_tags.user_id)

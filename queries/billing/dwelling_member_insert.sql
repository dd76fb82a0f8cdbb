-- A feed user, RFID tag or station that belongs to a dwelling from valid_from (until valid_until).
INSERT INTO dwelling_members (dwelling_id, kind, member_id, valid_from, valid_until)
VALUES ($dwelling_id, $kind, $member_id, $valid_from, $valid_until)

-- Every member (RFID tag, feed user, station) of every dwelling of the installations in
-- $installation_ids, with its dates: the scope of an account that owns a dwelling there is built from
-- them (chargeboard/accounts.py scope_for; the rule itself is schema.sql's in_scope).
SELECT m.dwelling_id, d.installation_id, m.kind, m.member_id, m.valid_from, m.valid_until
FROM dwelling_members m
JOIN dwellings d ON d.dwelling_id = m.dwelling_id
WHERE list_contains($installation_ids, d.installation_id)
  AND (m.valid_until IS NULL OR m.valid_until > m.valid_from)
ORDER BY m.dwelling_id, m.kind, m.member_id, m.valid_from

-- The memberships of the same user, tag or station in the installation whose dates share a day with
-- [valid_from, valid_until) (NULL: open), but the one being changed (same dwelling and valid_from):
-- a member belongs to one dwelling a day (dwelling_of in schema.sql counts on it).
SELECT d.number, m.valid_from, m.valid_until
FROM dwelling_members m JOIN dwellings d ON d.dwelling_id = m.dwelling_id
WHERE d.installation_id = $installation_id AND m.kind = $kind AND m.member_id = $member_id
  AND m.valid_from < coalesce($valid_until, DATE '9999-12-31')
  AND $valid_from < coalesce(m.valid_until, DATE '9999-12-31')
  AND NOT (m.dwelling_id = $dwelling_id AND m.valid_from IS NOT DISTINCT FROM $except_from)
ORDER BY m.valid_from

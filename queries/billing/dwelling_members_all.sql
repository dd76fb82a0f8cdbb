-- Every membership of every dwelling of one installation (NULL: every installation).
SELECT m.dwelling_id, m.kind, m.member_id, m.valid_from, m.valid_until
FROM dwelling_members m JOIN dwellings d ON d.dwelling_id = m.dwelling_id
WHERE $installation_id IS NULL OR d.installation_id = $installation_id
ORDER BY m.valid_from, m.kind, m.member_id

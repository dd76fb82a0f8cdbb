-- Every membership a dwelling has had (its users, tags and stations with their dates).
SELECT dwelling_id, kind, member_id, valid_from, valid_until
FROM dwelling_members WHERE dwelling_id = $dwelling_id
ORDER BY valid_from, kind, member_id

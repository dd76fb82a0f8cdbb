-- The end of one membership (a dwelling's member from a day).
UPDATE dwelling_members SET valid_until = $valid_until
WHERE dwelling_id = $dwelling_id AND kind = $kind AND member_id = $member_id AND valid_from = $valid_from

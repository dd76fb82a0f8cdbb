-- A dwelling's number, section number, share number and note (every one given as it is to be).
UPDATE dwellings SET number = $number, section_number = $section_number, share_number = $share_number, note = $note
WHERE dwelling_id = $dwelling_id

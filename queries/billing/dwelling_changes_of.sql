-- The logged changes of one dwelling, oldest first.
SELECT changed_at, changed_by, action, detail FROM dwelling_changes
WHERE dwelling_id = $dwelling_id
ORDER BY changed_at, rowid

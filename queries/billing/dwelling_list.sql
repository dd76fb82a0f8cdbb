-- The dwellings of one installation (NULL: of every installation), by installation and number.
SELECT d.dwelling_id, d.installation_id, i.name, i.time_zone, d.number, d.section_number, d.share_number, d.note
FROM dwellings d JOIN installations i USING (installation_id)
WHERE $installation_id IS NULL OR d.installation_id = $installation_id
ORDER BY i.name, d.installation_id, length(d.number), d.number

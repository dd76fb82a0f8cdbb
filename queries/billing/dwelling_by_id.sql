-- One dwelling, with its installation's name and time zone.
SELECT d.dwelling_id, d.installation_id, i.name, i.time_zone, d.number, d.section_number, d.share_number, d.note
FROM dwellings d JOIN installations i USING (installation_id)
WHERE d.dwelling_id = $dwelling_id

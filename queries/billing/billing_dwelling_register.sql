-- Every dwelling (number, section, share number, installation) for statements per dwelling and billing runs.
SELECT dwelling_id, installation_id, number, section_number, share_number
FROM dwellings
ORDER BY installation_id, number, dwelling_id

-- A dwelling by its number within its installation (the number is unique there).
SELECT dwelling_id FROM dwellings WHERE installation_id = $installation_id AND number = $number

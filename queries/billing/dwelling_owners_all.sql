-- Every owner of every dwelling of one installation (NULL: every installation).
SELECT o.owner_id, o.dwelling_id, o.name, o.email, o.customer_number, o.language, o.valid_from, o.valid_until
FROM dwelling_owners o JOIN dwellings d ON d.dwelling_id = o.dwelling_id
WHERE $installation_id IS NULL OR d.installation_id = $installation_id
ORDER BY o.valid_from, o.owner_id

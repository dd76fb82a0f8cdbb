-- Every owner a dwelling has had, in the order they came (a couple: the first named first).
SELECT owner_id, dwelling_id, name, email, customer_number, language, valid_from, valid_until
FROM dwelling_owners WHERE dwelling_id = $dwelling_id
ORDER BY valid_from, owner_id

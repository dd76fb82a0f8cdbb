-- One owner.
SELECT owner_id, dwelling_id, name, email, customer_number, language, valid_from, valid_until
FROM dwelling_owners WHERE owner_id = $owner_id

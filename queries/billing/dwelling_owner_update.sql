-- An owner's details and dates, every one given as it is to be.
UPDATE dwelling_owners SET name = $name, email = $email, customer_number = $customer_number, language = $language,
    valid_from = $valid_from, valid_until = $valid_until
WHERE owner_id = $owner_id

-- A new owner of a dwelling, with dates; its id.
INSERT INTO dwelling_owners (owner_id, dwelling_id, name, email, customer_number, language, valid_from, valid_until)
VALUES (nextval('dwelling_owner_id_seq'), $dwelling_id, $name, $email, $customer_number, $language, $valid_from,
        $valid_until)
RETURNING owner_id

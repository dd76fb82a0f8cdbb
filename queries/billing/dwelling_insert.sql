-- A new dwelling; its id.
INSERT INTO dwellings (dwelling_id, installation_id, number, section_number, share_number, note, created_by)
VALUES (nextval('dwelling_id_seq'), $installation_id, $number, $section_number, $share_number, $note, $created_by)
RETURNING dwelling_id

-- The dwellings an account owns or owned (issue 30): the register's owner rows with the account's
-- e-mail, in the account's installations (by id or name) as user_ids_by_email.sql links feed users;
-- $any_installation lifts that filter (an account naming no installation in a store of one).
-- Each row's dates are its own [valid_from, valid_until): what the account sees of the dwelling.
SELECT o.dwelling_id, o.owner_id, d.installation_id, d.number, o.valid_from, o.valid_until
FROM dwelling_owners o
JOIN dwellings d ON d.dwelling_id = o.dwelling_id
LEFT JOIN installations i ON i.installation_id = d.installation_id
WHERE lower(trim(o.email)) = $email
  AND (o.valid_until IS NULL OR o.valid_until > o.valid_from)
  AND ($any_installation OR list_contains($installations, d.installation_id)
       OR list_contains($installations, i.name))
ORDER BY o.dwelling_id, o.valid_from, o.owner_id

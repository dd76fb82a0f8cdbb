-- Every ownership of a dwelling, with its dates ([valid_from, valid_until); NULL: still): who pays is
-- chosen from these by the payer rule (chargeboard/billing/dwelling_statements.py).
SELECT o.owner_id, o.dwelling_id, o.name, o.valid_from, o.valid_until
FROM dwelling_owners o
ORDER BY o.dwelling_id, o.valid_from, o.owner_id

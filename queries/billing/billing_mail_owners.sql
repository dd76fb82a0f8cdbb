-- Every owner (past and present) of the dwellings a run bills, as the register has them now: who a run's
-- statements are e-mailed to is chosen from these by date (chargeboard/billing/mailing.py).
SELECT o.owner_id, o.dwelling_id, o.name, o.email, o.language, o.valid_from, o.valid_until
FROM dwelling_owners o
WHERE o.dwelling_id IN (SELECT DISTINCT dwelling_id FROM billing_run_lines WHERE run_id = $run_id)
ORDER BY o.dwelling_id, o.valid_from, o.owner_id

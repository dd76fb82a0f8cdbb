-- A billing run's lines with their dwelling and paying owner as they were at the close (a line that kept
-- none, written before lines kept them, reads the register), in line order (chargeboard.billing.model.load).
-- A kept dwelling number / payer name says the line kept the rest too, empty values included.
SELECT l.line_no, l.dwelling_id,
       CASE WHEN l.dwelling_number IS NULL THEN d.number ELSE l.dwelling_number END,
       CASE WHEN l.dwelling_number IS NULL THEN d.section_number ELSE l.section_number END,
       CASE WHEN l.dwelling_number IS NULL THEN d.share_number ELSE l.share_number END,
       d.installation_id, l.payer_owner_id,
       CASE WHEN l.payer_name IS NULL THEN o.name ELSE l.payer_name END,
       CASE WHEN l.payer_name IS NULL THEN o.email ELSE l.payer_email END,
       CASE WHEN l.payer_name IS NULL THEN o.customer_number ELSE l.payer_customer_number END,
       CASE WHEN l.payer_name IS NULL THEN o.language ELSE l.payer_language END,
       l.kind, l.day_from, l.day_to, l.session_count, l.energy_wh, l.amount, l.vat, l.text
FROM billing_run_lines l
JOIN dwellings d ON d.dwelling_id = l.dwelling_id
LEFT JOIN dwelling_owners o ON o.owner_id = l.payer_owner_id
WHERE l.run_id = $run_id
ORDER BY l.line_no

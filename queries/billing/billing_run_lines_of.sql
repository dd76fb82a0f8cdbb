-- A billing run's lines with their dwelling and paying owner, in line order (chargeboard.billing.model.load).
SELECT l.line_no, l.dwelling_id, d.number, d.section_number, d.share_number, d.installation_id,
       o.owner_id, o.name, o.email, o.customer_number, o.language,
       l.kind, l.day_from, l.day_to, l.session_count, l.energy_wh, l.amount, l.vat, l.text
FROM billing_run_lines l
JOIN dwellings d ON d.dwelling_id = l.dwelling_id
LEFT JOIN dwelling_owners o ON o.owner_id = l.payer_owner_id
WHERE l.run_id = $run_id
ORDER BY l.line_no

-- One line of a run: a dwelling's amount for one payer and kind, with the dwelling's numbers and the
-- payer's details as they are now (kept: a closed run's files never change with the register).
INSERT INTO billing_run_lines (run_id, line_no, dwelling_id, payer_owner_id, kind, day_from, day_to, session_count,
                               energy_wh, amount, vat, text, dwelling_number, section_number, share_number,
                               payer_name, payer_email, payer_customer_number, payer_language)
SELECT $run_id, $line_no, $dwelling_id, $payer_owner_id, $kind, $day_from, $day_to, $session_count, $energy_wh,
       $amount, $vat, $text, d.number, d.section_number, d.share_number,
       o.name, o.email, o.customer_number, o.language
FROM (SELECT 1) AS one
LEFT JOIN dwellings d ON d.dwelling_id = $dwelling_id
LEFT JOIN dwelling_owners o ON o.owner_id = $payer_owner_id

-- One line of a run: a dwelling's amount for one payer and kind.
INSERT INTO billing_run_lines (run_id, line_no, dwelling_id, payer_owner_id, kind, day_from, day_to, session_count,
                               energy_wh, amount, vat, text)
VALUES ($run_id, $line_no, $dwelling_id, $payer_owner_id, $kind, $day_from, $day_to, $session_count, $energy_wh,
        $amount, $vat, $text)

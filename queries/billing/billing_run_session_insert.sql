-- One session a run billed (or a difference of one).
INSERT INTO billing_run_sessions (run_id, session_id, installation_id, day, dwelling_id, payer_owner_id, energy_wh,
                                  raw_cost, late, kind, raw_vat)
VALUES ($run_id, $session_id, $installation_id, $day, $dwelling_id, $payer_owner_id, $energy_wh, $raw_cost, $late,
        $kind, $raw_vat)

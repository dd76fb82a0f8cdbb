-- The sessions a run billed (or differences of them), as lists of equal length, one element a row: one
-- statement for a period's thousands of sessions (a row at a time took seconds per thousand).
INSERT INTO billing_run_sessions (run_id, session_id, installation_id, day, dwelling_id, payer_owner_id, energy_wh,
                                  raw_cost, late, kind, raw_vat)
SELECT $run_id, unnest($session_ids::VARCHAR[]), unnest($installation_ids::VARCHAR[]), unnest($days::DATE[]),
       unnest($dwelling_ids::BIGINT[]), unnest($payer_owner_ids::BIGINT[]), unnest($energy_whs::BIGINT[]),
       unnest($raw_costs::DECIMAL(28, 10)[]), unnest($lates::BOOLEAN[]), unnest($kinds::VARCHAR[]),
       unnest($raw_vats::DECIMAL(28, 10)[])

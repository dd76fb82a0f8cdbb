-- A carried amount billed (or carried again) by a later run.
UPDATE billing_carry_overs SET taken_by_run = $taken_by_run
WHERE run_id = $run_id AND dwelling_id = $dwelling_id AND taken_by_run IS NULL

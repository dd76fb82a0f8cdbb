-- The fixed fees the runs billed dated in [$day_from, $day_to] (a reopening compares them with now).
SELECT dwelling_id, payer_owner_id, day, fee, raw_vat
FROM billing_run_fees
WHERE day >= $day_from AND day <= $day_to
ORDER BY run_id, dwelling_id, day

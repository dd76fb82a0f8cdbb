-- A closed run's head (chargeboard/billing/runs.py, inside the run's one transaction).
INSERT INTO billing_runs (run_id, kind, period_from, period_to, payer_rule, minimum_amount, currency, corrects_run,
                          closed_at, closed_by, tariff_versions, price_sources, summary)
VALUES ($run_id, $kind, $period_from, $period_to, $payer_rule, $minimum_amount, $currency, $corrects_run, now(),
        $closed_by, $tariff_versions, $price_sources, $summary)

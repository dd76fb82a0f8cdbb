-- A run's head for `billing show`: its summary JSON, the tariffs and price imports it used.
SELECT summary, tariff_versions, price_sources FROM billing_runs WHERE run_id = $run_id

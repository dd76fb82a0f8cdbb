-- The first-run checklist (issue 31, item 3; chargeboard/onboarding.py): what the store already holds,
-- one flag a step. The system owner's scope (sessions are read through the scope rule all the same).
SELECT
    EXISTS (SELECT 1 FROM installations) AS installation,
    EXISTS (SELECT 1 FROM scoped_sessions($see_all, $user_ids, $station_ids, $dwellings))
        OR EXISTS (SELECT 1 FROM connections) AS data,
    EXISTS (SELECT 1 FROM statement_issuer) AS coop_details,
    EXISTS (SELECT 1 FROM meter_readings) AS meter_readings,
    EXISTS (SELECT 1 FROM dwellings) AS dwellings,
    EXISTS (SELECT 1 FROM billing_settings WHERE coalesce(trim(account_number), '') <> '') AS billing_settings

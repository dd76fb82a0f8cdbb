-- Tariffs are append-only: every change is a new version, with who and when. $installation_id NULL = co-op-wide.
INSERT INTO tariffs (version, valid_from, price_per_kwh, bands, monthly_fee, currency, withdrawn, note,
                     standby_share, rest_share, created_at, created_by, formula, installation_id)
VALUES (nextval('tariff_version_seq'), $valid_from, $price_per_kwh, $bands, $monthly_fee, $currency, $withdrawn,
        $note, $standby_share, $rest_share, coalesce($created_at, now()), $created_by, $formula, $installation_id)
RETURNING version

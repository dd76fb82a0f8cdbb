-- Every tariff version ever entered, newest first, with the installation it is for (NULL: co-op-wide).
SELECT t.version, t.valid_from, t.price_per_kwh, t.bands, t.monthly_fee, t.currency, t.withdrawn, t.standby_share,
       t.rest_share, t.note, t.created_at, t.created_by, t.formula, t.installation_id, i.name AS installation_name
FROM tariffs t LEFT JOIN installations i USING (installation_id) ORDER BY t.version DESC

-- The price periods of each installation with versions of its own, as of an instant (the
-- tariff_installation_periods macro in schema.sql): its chain, co-op-wide and own periods by valid_from;
-- own_name is the installation's name on its own periods (NULL on the co-op-wide ones).
SELECT p.installation_id, p.version, p.valid_from, p.valid_to, p.price_per_kwh, p.bands, p.monthly_fee, p.currency,
       p.created_at, p.created_by, p.standby_share, p.rest_share, p.formula,
       CASE WHEN p.own THEN coalesce(i.name, p.installation_id) END AS own_name
FROM tariff_installation_periods($as_of) p LEFT JOIN installations i USING (installation_id)
ORDER BY p.installation_id, p.valid_from

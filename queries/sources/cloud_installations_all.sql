-- Every cloud installation tied to one of ours, as the Data sources page lists them.
SELECT c.provider, c.cloud_id, c.cloud_name, c.installation_id, i.name AS installation_name
FROM cloud_installations c LEFT JOIN installations i USING (installation_id)
ORDER BY c.provider, coalesce(c.cloud_name, c.cloud_id)

-- Which of our installations already hold a cloud installation's charging stations (by the cloud's
-- charger id or serial, either way round: a generic CSV may name a station by its serial), the one
-- holding the most first. The sync ties an unmapped cloud installation to the first (a feed naming a
-- station another installation holds is rejected, so a new installation would get none of them).
SELECT i.installation_id, i.name, count(*) AS stations
FROM stations s JOIN installations i USING (installation_id)
WHERE list_contains($charger_keys, s.station_id) OR list_contains($charger_keys, s.device_id)
GROUP BY ALL
ORDER BY stations DESC, i.name

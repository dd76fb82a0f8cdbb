INSERT OR REPLACE INTO price_fetch_settings (one, area, enabled, api_url, updated_at, updated_by)
VALUES (true, $area, $enabled, $api_url, now(), $updated_by)

SELECT area, enabled, api_url, updated_at, updated_by FROM price_fetch_settings

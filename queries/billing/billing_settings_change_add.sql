-- One change of the billing settings in their change record (English words).
INSERT INTO billing_settings_changes (changed_by, detail) VALUES ($changed_by, $detail)

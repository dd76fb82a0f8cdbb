-- The billing settings' change record, newest first.
SELECT changed_at, changed_by, detail FROM billing_settings_changes ORDER BY changed_at DESC, detail

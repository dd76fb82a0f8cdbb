-- A run's event written by the files side (action 'invoice' or 'export'): who, what (English).
INSERT INTO billing_run_events (run_id, done_by, action, detail) VALUES ($run_id, $done_by, $action, $detail)

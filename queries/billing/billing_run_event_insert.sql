-- The run's log: who closed or reopened it, when, what.
INSERT INTO billing_run_events (run_id, done_by, action, detail) VALUES ($run_id, $done_by, $action, $detail)

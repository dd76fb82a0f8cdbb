-- The newest run's number (0: none): a close or reopen that priced before another run was stored refuses.
SELECT coalesce(max(run_id), 0) FROM billing_runs

-- The next billing run's number.
SELECT nextval('billing_run_seq')

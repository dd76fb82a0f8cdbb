-- The local date a run was closed on (its invoices' date): in the time zone of the installation of its
-- first line (every installation of a co-op shares one in practice), else Europe/Oslo.
SELECT CAST(timezone(coalesce((SELECT i.time_zone
                               FROM billing_run_lines l
                               JOIN dwellings d ON d.dwelling_id = l.dwelling_id
                               JOIN installations i ON i.installation_id = d.installation_id
                               WHERE l.run_id = r.run_id
                               ORDER BY l.line_no LIMIT 1), 'Europe/Oslo'), r.closed_at) AS DATE)
FROM billing_runs r
WHERE r.run_id = $run_id

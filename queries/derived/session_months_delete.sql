-- Forget the monthly sums about to be summed again (session_months_insert.sql, same parameters):
-- one installation's ($installation_id NULL: every one), in $months or in every month ($all_months).
DELETE FROM session_months
WHERE ($installation_id IS NULL OR installation_id = $installation_id)
  AND ($all_months OR list_contains($months, month))

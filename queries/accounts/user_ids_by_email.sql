-- Feed users whose e-mail matches a login account's: a resident's own sessions. Only users who
-- charged in one of the account's installations (named by id or name) count, so a user of
-- another installation with the same e-mail is never merged in; $any_installation lifts that
-- filter (an account naming no installation in a store of one). Bound with the system scope:
-- deciding whom an account is linked to looks at every session.
SELECT u.user_id FROM users u
WHERE lower(trim(u.email)) = $email
  AND ($any_installation OR EXISTS (
      SELECT 1 FROM scoped_sessions($see_all, $user_ids, $station_ids, $dwellings) s
      JOIN installations i ON i.installation_id = s.installation_id
      WHERE s.user_id = u.user_id
        AND (list_contains($installations, i.installation_id) OR list_contains($installations, i.name))))
ORDER BY u.user_id

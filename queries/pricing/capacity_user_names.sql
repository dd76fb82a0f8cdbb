-- The names of the residents with energy in a month's peak hours (the capacity page's table).
SELECT user_id, coalesce(name, email) AS name FROM users WHERE list_contains($user_ids, user_id)

-- Whether a derived table (schema.sql, derived_tables) was never named as kept for this store's
-- sessions (store.py asks sessions_stored.sql only then: a store without sessions lacks nothing).
SELECT NOT EXISTS (SELECT 1 FROM derived_tables WHERE name = $name)

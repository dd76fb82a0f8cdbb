-- Whether a derived table (schema.sql, derived_tables) was never made for this store's sessions.
SELECT NOT EXISTS (SELECT 1 FROM derived_tables WHERE name = $name)

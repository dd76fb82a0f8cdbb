-- Whether a derived table (schema.sql, derived_tables) was never made for this store's sessions. A
-- store without sessions lacks nothing: its first ingest makes the table and names it.
SELECT NOT EXISTS (SELECT 1 FROM derived_tables WHERE name = $name) AND EXISTS (SELECT 1 FROM sessions)

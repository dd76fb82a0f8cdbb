-- A derived table is now made for every session (derived_table_missing.sql).
INSERT OR IGNORE INTO derived_tables VALUES ($name)

-- The SHA-256 of the schema.sql this store was last brought up to (store.py skips the schema when it matches).
SELECT sha256 FROM schema_fingerprint

-- Remember which schema.sql the store now holds, so the next open writes nothing when it is the same.
CREATE OR REPLACE TABLE schema_fingerprint AS SELECT $sha256::VARCHAR AS sha256

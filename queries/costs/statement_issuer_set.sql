-- Set the co-op's name and address printed on statements (one row; replaced on every change).
INSERT OR REPLACE INTO statement_issuer (one, name, address, updated_at, updated_by)
VALUES (true, $issuer_name, $address, now(), $updated_by)

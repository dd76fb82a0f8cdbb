-- The co-op's name and address printed on statements (none until set).
SELECT name, address FROM statement_issuer

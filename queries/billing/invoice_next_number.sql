-- The next invoice number of the co-op's sequence (never handed out twice, even when a transaction rolls back).
SELECT nextval('invoice_number_seq')

-- Errors of the fast CSV reader other than a wrong number of fields (which it rejects line by
-- line, correctly): a line not in UTF-8, an unterminated quote (after which it drops lines).
-- Any such error means the file is read again line by line (csv_dialect.rewrite).
SELECT count(*) FROM reject_errors WHERE error_type NOT IN ('TOO FEW COLUMNS', 'TOO MANY COLUMNS')

SELECT count(*) FROM reject_errors

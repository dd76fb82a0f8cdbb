-- Whether any earlier import had a file of this size: only then can a file repeat one
-- (and its digest is needed before the read; otherwise it is computed alongside).
SELECT count(*) > 0 FROM imports WHERE file_bytes = $file_bytes

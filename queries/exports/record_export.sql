-- Every export is logged: who, with which role, when, what, how many rows.
INSERT INTO exports VALUES (nextval('export_id_seq'), $username, $role, now(), $what, $file_name, $row_count)

SELECT export_id, username, role, exported_at, what, file_name, row_count FROM exports ORDER BY export_id DESC

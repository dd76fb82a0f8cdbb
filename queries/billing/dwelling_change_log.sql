-- One logged change of the dwelling register: who, which dwelling, what.
INSERT INTO dwelling_changes (changed_by, dwelling_id, action, detail)
VALUES ($changed_by, $dwelling_id, $action, $detail)

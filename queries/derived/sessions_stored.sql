-- Whether the store holds any session (a store without, made before a derived table, lacks nothing).
SELECT EXISTS (SELECT 1 FROM sessions)

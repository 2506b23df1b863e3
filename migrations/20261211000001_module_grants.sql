-- A user's module rights are read on every request (the session) and for each row of the users
-- list. Two things made that the list's dearest part (pgbench, 100,000 users, a 50-row page:
-- 1,300 pages a second with the rights, 5,100 without):
--
-- 1. Each user's rows were found through idx_module_access_user and then fetched from the heap,
--    one page per row. This index holds everything the rights are made of, in module order, so
--    they are read from the index alone (2,200 pages a second); it replaces the one on user_id.
CREATE INDEX idx_module_access_grants ON module_access (user_id, module)
  INCLUDE (can_view, can_create, can_edit, can_delete, can_approve);
DROP INDEX idx_module_access_user;

-- 2. The module keys and the flag bits were read by two subqueries, one array each. One row type
--    carries both, so one subquery reads them (app/src/auth/flags.rs, ModuleGrant):
--    ARRAY(SELECT ROW(ma.module, permission_bits(…))::module_grant FROM module_access ma …).
CREATE TYPE module_grant AS (module text, bits integer);

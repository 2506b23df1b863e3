-- Sign-in looks users up by lower(email); the seed's UNIQUE (email) is case-sensitive, so
-- 'Ada@x' and 'ada@x' could both exist and sign-in would pick one at random. One account per
-- address, whatever its case, and an index for the lookup.
CREATE UNIQUE INDEX users_email_lower_key ON users (lower(email));

-- Audit rows are evidence: TRUNCATE is refused like UPDATE and DELETE.
CREATE TRIGGER audit_logs_no_truncate BEFORE TRUNCATE ON audit_logs
  FOR EACH STATEMENT EXECUTE FUNCTION forbid_audit_change();

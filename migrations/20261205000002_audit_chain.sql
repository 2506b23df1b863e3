-- A tamper-evident audit trail (issue 13). Every audit row carries its place in one chain (seq,
-- contiguous), the previous row's hash and its own: SHA-256 over the previous hash and the row's
-- content. The chain's head (last seq and hash) is one locked row, so concurrent appends queue at
-- it until their transaction ends and the chain cannot fork; a rolled-back append leaves no gap.
-- `server audit-verify` (app::audit::chain) walks it and names the first row changed, removed or
-- inserted out of order. This detects tampering by anyone who cannot also rewrite every later
-- row and the head; the daily audit export (kept apart from the database) anchors it further.

ALTER TABLE audit_logs ADD COLUMN seq BIGINT, ADD COLUMN prev_hash BYTEA, ADD COLUMN row_hash BYTEA;

CREATE TABLE audit_chain_head (
  only_row BOOLEAN PRIMARY KEY DEFAULT true CHECK (only_row),
  seq BIGINT NOT NULL,
  hash BYTEA NOT NULL
);

-- The one definition of a row's hash, used by the trigger and by verification alike. jsonb's text
-- form is canonical, and timestamps in JSON are ISO 8601 whatever the session's DateStyle.
CREATE FUNCTION audit_row_hash(prev BYTEA, a audit_logs) RETURNS BYTEA
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT sha256(prev || convert_to(jsonb_build_array(
    a.seq, a.id, a.user_id, a.action, a.entity_type, a.entity_id, a.old_values, a.new_values,
    a.ip_address, a.user_agent, a.created_at)::text, 'UTF8'))
$$;

-- Links each new row to the head. SECURITY DEFINER: the application role appends audit rows but
-- cannot touch the head itself.
CREATE FUNCTION audit_chain_link() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  head_seq BIGINT;
  head_hash BYTEA;
BEGIN
  SELECT seq, hash INTO head_seq, head_hash FROM audit_chain_head WHERE only_row FOR UPDATE;
  NEW.seq := head_seq + 1;
  NEW.prev_hash := head_hash;
  NEW.created_at := COALESCE(NEW.created_at, CURRENT_TIMESTAMP);
  NEW.row_hash := audit_row_hash(head_hash, NEW);
  UPDATE audit_chain_head SET seq = NEW.seq, hash = NEW.row_hash WHERE only_row;
  RETURN NEW;
END $$;

-- The rows already there join the chain in the order they were written.
ALTER TABLE audit_logs DISABLE TRIGGER audit_logs_append_only;
DO $$
DECLARE
  r RECORD;
  n BIGINT := 0;
  prev BYTEA := sha256(convert_to('One Aftersales audit chain', 'UTF8'));
BEGIN
  FOR r IN SELECT id FROM audit_logs ORDER BY created_at, id LOOP
    n := n + 1;
    UPDATE audit_logs SET seq = n, prev_hash = prev WHERE id = r.id;
    UPDATE audit_logs a SET row_hash = audit_row_hash(prev, a) WHERE id = r.id RETURNING row_hash INTO prev;
  END LOOP;
  INSERT INTO audit_chain_head (only_row, seq, hash) VALUES (true, n, prev);
END $$;
ALTER TABLE audit_logs ENABLE TRIGGER audit_logs_append_only;

-- (created_at keeps the seed's definition; the trigger fills it before hashing.)
ALTER TABLE audit_logs ALTER COLUMN seq SET NOT NULL, ALTER COLUMN prev_hash SET NOT NULL,
  ALTER COLUMN row_hash SET NOT NULL;
CREATE UNIQUE INDEX audit_logs_seq ON audit_logs(seq);
CREATE TRIGGER audit_logs_chain BEFORE INSERT ON audit_logs
  FOR EACH ROW EXECUTE FUNCTION audit_chain_link();

-- Each verification's outcome, for the audit viewer and the next incremental check.
CREATE TABLE audit_chain_checks (
  id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
  checked_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
  from_seq BIGINT NOT NULL,
  through_seq BIGINT NOT NULL,
  rows_checked BIGINT NOT NULL,
  broken_at_seq BIGINT,
  problem TEXT
);
CREATE INDEX idx_audit_chain_checks_at ON audit_chain_checks(checked_at DESC);

ALTER TABLE audit_chain_head ENABLE ROW LEVEL SECURITY;
ALTER TABLE audit_chain_checks ENABLE ROW LEVEL SECURITY;
REVOKE ALL ON audit_chain_head FROM oap_app;
REVOKE ALL ON audit_chain_checks FROM oap_app;

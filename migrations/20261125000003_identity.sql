-- Identity: what sign-in, sessions, two-factor authentication and password reset need beyond the seed.

-- Sessions (the seed's session_logs, one row per session). A session is live while is_active and
-- neither timeout has passed; last_seen_at drives the idle timeout. mfa_pending marks a session that
-- passed the password step but not yet the second factor.
ALTER TABLE session_logs
  ADD COLUMN last_seen_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
  ADD COLUMN mfa_pending BOOLEAN NOT NULL DEFAULT false,
  ADD COLUMN ended_reason VARCHAR(30) CHECK (ended_reason IN (
    'logout', 'revoked', 'expired', 'password_changed', 'password_reset', 'deactivated', 'dealer_blocked'
  ));
ALTER TABLE session_logs ADD CONSTRAINT session_logs_token_hash_key UNIQUE (token_hash);
CREATE INDEX idx_session_user_live ON session_logs(user_id) WHERE is_active;

-- Users: per-account back-off after failed sign-ins, and the second factor.
ALTER TABLE users
  ADD COLUMN failed_logins INTEGER NOT NULL DEFAULT 0 CHECK (failed_logins >= 0),
  ADD COLUMN last_failed_login TIMESTAMP,
  ADD COLUMN password_changed_at TIMESTAMP,
  -- XChaCha20-Poly1305 (24-byte nonce || ciphertext) of the TOTP secret, under OAP_SECRET_KEY.
  ADD COLUMN mfa_secret BYTEA,
  -- NULL: not enrolled. A secret without this is an enrolment that was started but not confirmed.
  ADD COLUMN mfa_enabled_at TIMESTAMP,
  -- The last accepted TOTP time step: no code is accepted twice.
  ADD COLUMN mfa_last_step BIGINT;

-- One-time recovery codes for a lost authenticator, stored as SHA-256 (they are random, 60 bits each).
CREATE TABLE mfa_recovery_codes (
  id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id UUID NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  code_hash VARCHAR(64) NOT NULL,
  used_at TIMESTAMP,
  created_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
  UNIQUE (user_id, code_hash)
);

-- password_reset_tokens.token (the seed's column) holds the SHA-256 of the token, never the token.

-- Outgoing mail, written in the transaction that causes it and delivered by a worker, so a mail that
-- was promised is never lost to a crash or an SMTP outage.
CREATE TABLE mail_outbox (
  id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
  to_address VARCHAR(255) NOT NULL,
  subject VARCHAR(255) NOT NULL,
  -- Cleared once delivered over SMTP: it may carry a one-time link.
  body TEXT,
  created_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
  sent_at TIMESTAMP,
  delivery VARCHAR(20) CHECK (delivery IN ('smtp', 'dev_mailbox')),
  last_error TEXT
);
CREATE INDEX idx_mail_outbox_pending ON mail_outbox(next_attempt_at) WHERE sent_at IS NULL;

-- The settings the identity layer reads; super admins change them in the settings screen.
INSERT INTO settings (category, key, value, description, is_system) VALUES
  ('session', 'idle_timeout_minutes', '30', 'A session ends after this many minutes without a request.', true),
  ('session', 'absolute_timeout_hours', '12', 'A session ends this many hours after sign-in, however active.', true),
  ('security', 'mfa_required_roles', 'super_admin,manufacturer_admin', 'Roles that must enrol in two-factor authentication before anything else (comma-separated role keys).', true),
  ('security', 'login_backoff_after_failures', '5', 'Failed sign-ins on one account after which each further attempt must wait, doubling each time.', true),
  ('security', 'login_backoff_max_seconds', '900', 'The longest wait imposed on an account after repeated failures (never a permanent lock-out).', true),
  ('security', 'auth_rate_limit_per_minute', '30', 'Sign-in, password reset and two-factor requests allowed per minute from one IP address (read at start-up).', true),
  ('password', 'reset_token_minutes', '30', 'How long a password reset link stays valid.', true)
ON CONFLICT (category, key) DO NOTHING;

-- Audit rows are evidence: nobody updates or deletes them.
CREATE FUNCTION forbid_audit_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_logs is append-only' USING ERRCODE = 'insufficient_privilege';
END;
$$;
CREATE TRIGGER audit_logs_append_only BEFORE UPDATE OR DELETE ON audit_logs
  FOR EACH ROW EXECUTE FUNCTION forbid_audit_change();
CREATE INDEX idx_audit_action ON audit_logs(action, created_at);

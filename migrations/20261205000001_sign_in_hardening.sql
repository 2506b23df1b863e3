-- Sign-in hardening (issue 13): a throttle that covers every address typed at the sign-in form
-- (known or not) and is claimed under a row lock, and the browsers that signed in before.

-- 1. One row per normalised e-mail address tried, or per address on a known device (see
--    app::auth::server::throttle). The key is a SHA-256, so addresses typed by strangers are not
--    kept in clear. users.failed_logins now counts wrong second-factor codes only.
CREATE TABLE login_throttles (
  key_hash VARCHAR(64) PRIMARY KEY,
  failures INTEGER NOT NULL DEFAULT 0 CHECK (failures >= 0),
  last_failure TIMESTAMP
);
CREATE INDEX idx_login_throttles_last_failure ON login_throttles(last_failure);

-- 2. Browsers that completed a sign-in: the SHA-256 of their device cookie's token.
CREATE TABLE known_devices (
  id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id UUID NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  token_hash VARCHAR(64) NOT NULL UNIQUE,
  user_agent VARCHAR(512),
  created_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
  last_used_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
);
CREATE INDEX idx_known_devices_user ON known_devices(user_id);
CREATE INDEX idx_known_devices_last_used ON known_devices(last_used_at);

-- Both are read and written by sign-in only, which runs as the connecting role: the application
-- role (dealer users' requests) reaches neither.
ALTER TABLE login_throttles ENABLE ROW LEVEL SECURITY;
ALTER TABLE known_devices ENABLE ROW LEVEL SECURITY;
REVOKE ALL ON login_throttles, known_devices FROM oap_app;

-- 3. The reset cooldown looks for a user's recent live links.
CREATE INDEX idx_reset_user_live ON password_reset_tokens(user_id, created_at) WHERE used IS NOT TRUE;

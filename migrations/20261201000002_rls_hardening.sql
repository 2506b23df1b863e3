-- Row-level security that holds once dealer users' requests really run as the application role
-- (oap_app). Each item closes a hole found in review; server/tests/schema.rs checks each one.

-- 1. Colleagues' secrets: the users policy lets a dealer user read their dealer's users, which
--    must not include password hashes, TOTP secrets or sign-in failure counts. Column privileges
--    keep them out of reach whatever a query asks for.
REVOKE SELECT ON users FROM oap_app;
GRANT SELECT (id, email, name, role, user_type, dealer_id, designation, is_active, last_login,
              created_at, updated_at, created_by, password_changed_at, mfa_enabled_at)
  ON users TO oap_app;

-- 2. The audit trail: a transaction appends rows only in its own declared user's name (refusals
--    are audited by the connecting role, outside the request's transaction).
DROP POLICY anyone_appends ON audit_logs;
CREATE POLICY own_name_appends ON audit_logs FOR INSERT
  WITH CHECK (app_is_manufacturer() OR user_id = app_user_id());

-- 3. Sessions and recovery codes: requests read their own sessions and never write them through
--    the application role (sign-in, sign-out and expiry run as the connecting role), so it cannot
--    extend its own expires_at; recovery codes are never touched under it at all.
REVOKE INSERT, UPDATE, DELETE ON session_logs FROM oap_app;
REVOKE ALL ON mfa_recovery_codes FROM oap_app;

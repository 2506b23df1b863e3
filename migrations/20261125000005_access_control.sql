-- Access control: the application role that request transactions run as, row-level security keyed on
-- the dealer as a backstop behind authorize(), role templates, invitations, and the indexes the admin
-- lists page with.

-- 1. The application role. Request transactions `SET LOCAL ROLE oap_app` (set_config('role', ..)), so
--    one connection URL serves both the trusted server code (migrations, sign-in, workers: the
--    connecting role, which owns the tables and so is not subject to RLS) and request work (oap_app,
--    which is). Roles are cluster-wide: create it once, and let the connecting role switch to it.
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'oap_app') THEN
    BEGIN
      CREATE ROLE oap_app NOLOGIN NOBYPASSRLS;
    EXCEPTION WHEN duplicate_object OR unique_violation THEN
      -- Another database of this cluster was migrated at the same moment (tests do that).
      NULL;
    END;
  END IF;
  IF NOT pg_has_role(current_user, 'oap_app', 'MEMBER') THEN
    EXECUTE format('GRANT oap_app TO %I', current_user);
  END IF;
END
$$;

GRANT USAGE ON SCHEMA public TO oap_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO oap_app;
-- Tables later migrations create get the same grants.
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO oap_app;
-- The migration history is not the application's business.
REVOKE ALL ON _sqlx_migrations FROM oap_app;
-- Audit rows are evidence: the application role may add and read them, never change them (the
-- append-only triggers also stop the owner).
REVOKE UPDATE, DELETE, TRUNCATE ON audit_logs FROM oap_app;

-- 2. Row-level security. Each request transaction declares whose it is:
--      app.scope     'all' (manufacturer staff) or 'dealer'
--      app.dealer_id the dealer of a dealer user
--      app.user_id   the signed-in user
--    Unset (a transaction that forgot to declare itself) sees nothing: the policies fail closed.
CREATE FUNCTION app_sees_dealer(row_dealer UUID) RETURNS BOOLEAN
LANGUAGE sql STABLE AS $$
  SELECT CASE current_setting('app.scope', true)
           WHEN 'all' THEN true
           WHEN 'dealer' THEN row_dealer = NULLIF(current_setting('app.dealer_id', true), '')::uuid
           ELSE false
         END
$$;

CREATE FUNCTION app_user_id() RETURNS UUID
LANGUAGE sql STABLE AS $$
  SELECT NULLIF(current_setting('app.user_id', true), '')::uuid
$$;

-- Every dealer-owned table: a dealer user's transaction sees, and can write, only its dealer's rows.
DO $$
DECLARE t TEXT;
BEGIN
  FOREACH t IN ARRAY ARRAY['dealer_pcc', 'api_registrations', 'mt_meet_registrations',
                           'workshop_surveys', 'warranty_surveys', 'technical_surveys']
  LOOP
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format('CREATE POLICY dealer_isolation ON %I USING (app_sees_dealer(dealer_id)) '
                   'WITH CHECK (app_sees_dealer(dealer_id))', t);
  END LOOP;
END
$$;

-- Dealers and users: a dealer user reads its own dealer and that dealer's users (and itself);
-- only manufacturer staff change them (a dealer user could otherwise reactivate its own dealer or
-- give itself another role).
CREATE FUNCTION app_is_manufacturer() RETURNS BOOLEAN
LANGUAGE sql STABLE AS $$
  SELECT current_setting('app.scope', true) IS NOT DISTINCT FROM 'all'
$$;

ALTER TABLE dealers ENABLE ROW LEVEL SECURITY;
CREATE POLICY dealer_read ON dealers FOR SELECT USING (app_sees_dealer(id));
CREATE POLICY manufacturer_write ON dealers USING (app_is_manufacturer()) WITH CHECK (app_is_manufacturer());

ALTER TABLE users ENABLE ROW LEVEL SECURITY;
CREATE POLICY dealer_read ON users FOR SELECT USING (app_sees_dealer(dealer_id) OR id = app_user_id());
CREATE POLICY manufacturer_write ON users USING (app_is_manufacturer()) WITH CHECK (app_is_manufacturer());

-- Permissions and notifications: manufacturer staff see all; anyone else only their own.
ALTER TABLE module_access ENABLE ROW LEVEL SECURITY;
CREATE POLICY own_read ON module_access FOR SELECT USING (user_id = app_user_id());
CREATE POLICY manufacturer_write ON module_access USING (app_is_manufacturer()) WITH CHECK (app_is_manufacturer());
ALTER TABLE notifications ENABLE ROW LEVEL SECURITY;
CREATE POLICY own_or_all ON notifications
  USING (app_is_manufacturer() OR user_id = app_user_id());

-- Sessions, reset links, recovery codes and queued mail (which holds live links): a user's own
-- sessions and recovery codes at most; the rest only for manufacturer staff (administrators end
-- sessions and send invitations).
ALTER TABLE session_logs ENABLE ROW LEVEL SECURITY;
CREATE POLICY own_or_all ON session_logs
  USING (app_is_manufacturer() OR user_id = app_user_id())
  WITH CHECK (app_is_manufacturer() OR user_id = app_user_id());
ALTER TABLE mfa_recovery_codes ENABLE ROW LEVEL SECURITY;
CREATE POLICY own ON mfa_recovery_codes USING (user_id = app_user_id()) WITH CHECK (user_id = app_user_id());
ALTER TABLE password_reset_tokens ENABLE ROW LEVEL SECURITY;
CREATE POLICY manufacturer_only ON password_reset_tokens USING (app_is_manufacturer()) WITH CHECK (app_is_manufacturer());
ALTER TABLE mail_outbox ENABLE ROW LEVEL SECURITY;
CREATE POLICY manufacturer_only ON mail_outbox USING (app_is_manufacturer()) WITH CHECK (app_is_manufacturer());

-- The audit trail: anyone's transaction appends (a refusal is audited too), only manufacturer
-- staff read it. Settings and role templates: everyone reads, manufacturer staff change.
ALTER TABLE audit_logs ENABLE ROW LEVEL SECURITY;
CREATE POLICY manufacturer_read ON audit_logs FOR SELECT USING (app_is_manufacturer());
CREATE POLICY anyone_appends ON audit_logs FOR INSERT WITH CHECK (true);

-- The seed's reporting views run with their owner's rights by default, which would step around
-- every policy above: make them run with the caller's.
ALTER VIEW v_active_users SET (security_invoker = true);
ALTER VIEW v_module_statistics SET (security_invoker = true);

-- 3. Role templates: the permissions a new user of each role starts with, editable by super admins.
CREATE TABLE role_templates (
  role VARCHAR(50) NOT NULL CHECK (role IN (
    'super_admin', 'manufacturer_admin', 'master_technician', 'service_manager', 'service_head',
    'warranty_manager'
  )),
  module VARCHAR(50) NOT NULL CHECK (module IN (
    'dealer_pcc', 'api_registration', 'mt_meet', 'workshop_survey', 'warranty_survey', 'technical_survey'
  )),
  can_view BOOLEAN NOT NULL DEFAULT false,
  can_create BOOLEAN NOT NULL DEFAULT false,
  can_edit BOOLEAN NOT NULL DEFAULT false,
  can_delete BOOLEAN NOT NULL DEFAULT false,
  can_approve BOOLEAN NOT NULL DEFAULT false,
  updated_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
  updated_by UUID REFERENCES users(id),
  PRIMARY KEY (role, module)
);
CREATE TRIGGER role_templates_set_updated_at BEFORE UPDATE ON role_templates
  FOR EACH ROW EXECUTE FUNCTION set_updated_at();
-- Created after the blanket grant above: the application role reads and edits templates.
GRANT SELECT, INSERT, UPDATE, DELETE ON role_templates TO oap_app;
ALTER TABLE role_templates ENABLE ROW LEVEL SECURITY;
CREATE POLICY everyone_reads ON role_templates FOR SELECT USING (true);
CREATE POLICY manufacturer_write ON role_templates USING (app_is_manufacturer()) WITH CHECK (app_is_manufacturer());
ALTER TABLE settings ENABLE ROW LEVEL SECURITY;
CREATE POLICY everyone_reads ON settings FOR SELECT USING (true);
CREATE POLICY manufacturer_write ON settings USING (app_is_manufacturer()) WITH CHECK (app_is_manufacturer());

-- Defaults: manufacturer staff review and decide; dealer staff work on what their job covers.
-- Columns: view, create, edit, delete, approve.
INSERT INTO role_templates (role, module, can_view, can_create, can_edit, can_delete, can_approve)
SELECT r.role, m.module, t.v, t.c, t.e, t.d, t.a
  FROM (VALUES ('super_admin'), ('manufacturer_admin'), ('master_technician'), ('service_manager'),
               ('service_head'), ('warranty_manager')) AS r(role)
 CROSS JOIN (VALUES ('dealer_pcc'), ('api_registration'), ('mt_meet'), ('workshop_survey'),
                    ('warranty_survey'), ('technical_survey')) AS m(module)
 CROSS JOIN LATERAL (
   SELECT * FROM (VALUES
     -- super admins hold everything
     ('super_admin',        'dealer_pcc',       true,  true,  true,  true,  true),
     ('super_admin',        'api_registration', true,  true,  true,  true,  true),
     ('super_admin',        'mt_meet',          true,  true,  true,  true,  true),
     ('super_admin',        'workshop_survey',  true,  true,  true,  true,  true),
     ('super_admin',        'warranty_survey',  true,  true,  true,  true,  true),
     ('super_admin',        'technical_survey', true,  true,  true,  true,  true),
     -- manufacturer admins review and decide in every module
     ('manufacturer_admin', 'dealer_pcc',       true,  false, true,  false, true),
     ('manufacturer_admin', 'api_registration', true,  false, true,  false, true),
     ('manufacturer_admin', 'mt_meet',          true,  false, true,  false, true),
     ('manufacturer_admin', 'workshop_survey',  true,  false, true,  false, true),
     ('manufacturer_admin', 'warranty_survey',  true,  false, true,  false, true),
     ('manufacturer_admin', 'technical_survey', true,  false, true,  false, true),
     -- the head of service applies for PCC and runs registrations and surveys
     ('service_head',       'dealer_pcc',       true,  true,  true,  true,  false),
     ('service_head',       'api_registration', true,  true,  true,  true,  false),
     ('service_head',       'mt_meet',          true,  true,  true,  true,  false),
     ('service_head',       'workshop_survey',  true,  true,  true,  false, false),
     ('service_head',       'warranty_survey',  true,  true,  true,  false, false),
     ('service_head',       'technical_survey', true,  true,  true,  false, false),
     -- the service manager registers people and fills the workshop and technical surveys
     ('service_manager',    'dealer_pcc',       true,  false, false, false, false),
     ('service_manager',    'api_registration', true,  true,  true,  false, false),
     ('service_manager',    'mt_meet',          true,  true,  true,  false, false),
     ('service_manager',    'workshop_survey',  true,  true,  true,  false, false),
     ('service_manager',    'warranty_survey',  false, false, false, false, false),
     ('service_manager',    'technical_survey', true,  true,  true,  false, false),
     -- the warranty manager owns the warranty survey
     ('warranty_manager',   'dealer_pcc',       false, false, false, false, false),
     ('warranty_manager',   'api_registration', false, false, false, false, false),
     ('warranty_manager',   'mt_meet',          false, false, false, false, false),
     ('warranty_manager',   'workshop_survey',  false, false, false, false, false),
     ('warranty_manager',   'warranty_survey',  true,  true,  true,  false, false),
     ('warranty_manager',   'technical_survey', false, false, false, false, false),
     -- master technicians see their meets and events and fill the technical survey
     ('master_technician',  'dealer_pcc',       false, false, false, false, false),
     ('master_technician',  'api_registration', true,  false, false, false, false),
     ('master_technician',  'mt_meet',          true,  false, false, false, false),
     ('master_technician',  'workshop_survey',  false, false, false, false, false),
     ('master_technician',  'warranty_survey',  false, false, false, false, false),
     ('master_technician',  'technical_survey', true,  true,  true,  false, false)
   ) AS d(role, module, v, c, e, d, a)
   WHERE d.role = r.role AND d.module = m.module
 ) AS t;

-- 4. Invitations reuse the reset-token flow, with a longer life and their own wording.
ALTER TABLE password_reset_tokens
  ADD COLUMN purpose VARCHAR(20) NOT NULL DEFAULT 'reset' CHECK (purpose IN ('reset', 'invitation'));
INSERT INTO settings (category, key, value, description, is_system) VALUES
  ('password', 'invitation_hours', '72', 'How long the link in an invitation to a new user stays valid.', true)
ON CONFLICT (category, key) DO NOTHING;

-- 5. Indexes for the admin lists: keyset pagination on each sort order, and substring search on
--    name and email (trigram, so '%text%' does not scan 100,000 users).
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX idx_users_search ON users USING gin (lower(name::text || ' ' || email::text) gin_trgm_ops);
CREATE INDEX idx_users_name_key ON users (lower(name::text), id);
CREATE INDEX idx_users_created_key ON users ((COALESCE(created_at, '-infinity'::timestamp)), id);
CREATE INDEX idx_users_last_login_key ON users ((COALESCE(last_login, '-infinity'::timestamp)), id);
CREATE INDEX idx_dealers_name_key ON dealers (lower(dealer_name::text), id);
CREATE INDEX idx_audit_created_key ON audit_logs (created_at, id);

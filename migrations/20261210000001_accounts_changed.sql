-- The users list keeps big counts while nothing it shows has changed (app/src/list/counts.rs).
-- Accounts change through many paths (invitations, the admin screens, imports, demo data, SQL),
-- so the database says when: once per statement that adds, removes or changes what the list
-- filters on (name, e-mail, role, kind, dealer, active) or a dealer's code or name (the list's
-- dealer filter matches them). A sign-in (last_login) or a password change sends nothing.
CREATE FUNCTION notify_accounts_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('oap_events', '{"kind":"accounts"}');
  RETURN NULL;
END
$$;

CREATE TRIGGER users_notify_accounts
  AFTER INSERT OR DELETE OR TRUNCATE OR UPDATE OF name, email, role, user_type, dealer_id, is_active
  ON users FOR EACH STATEMENT EXECUTE FUNCTION notify_accounts_changed();

CREATE TRIGGER dealers_notify_accounts
  AFTER INSERT OR DELETE OR TRUNCATE OR UPDATE OF dealer_code, dealer_name
  ON dealers FOR EACH STATEMENT EXECUTE FUNCTION notify_accounts_changed();

-- The workflow core (shared by the six modules) and the PCC module's columns.

-- 1. Gap-free record numbers per module and year (PCC-2026-000123). The counter row is locked by
--    the submitting transaction until it commits, so concurrent submissions queue on it and a
--    rolled-back submission gives its number back. Requests reach it only through the function,
--    which runs with its owner's rights: the application role has no access to the table.
CREATE TABLE record_numbers (
  prefix VARCHAR(10) NOT NULL,
  year INTEGER NOT NULL CHECK (year BETWEEN 2000 AND 9999),
  last_value INTEGER NOT NULL CHECK (last_value > 0),
  PRIMARY KEY (prefix, year)
);
REVOKE ALL ON record_numbers FROM oap_app;

CREATE FUNCTION next_record_number(p_prefix VARCHAR, p_year INTEGER) RETURNS INTEGER
LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  INSERT INTO record_numbers (prefix, year, last_value) VALUES (p_prefix, p_year, 1)
  ON CONFLICT (prefix, year) DO UPDATE SET last_value = record_numbers.last_value + 1
  RETURNING last_value
$$;
-- Numbers already given (applications from before this migration) are never given again.
INSERT INTO record_numbers (prefix, year, last_value)
SELECT 'PCC', (m[1])::int, max((m[2])::int)
  FROM (SELECT regexp_match(application_number, '^PCC-(\d{4})-(\d{6})$') AS m FROM dealer_pcc) numbered
 WHERE m IS NOT NULL
 GROUP BY m[1];

-- 2. Every transition of every module's records, for the record's timeline. The actor's name is
--    kept as it was (a dealer user may not read manufacturer users' rows, and a renamed user's
--    past decisions keep the name they were taken under). Dealer users see their dealer's rows.
CREATE TABLE record_history (
  id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
  module VARCHAR(50) NOT NULL CHECK (module IN (
    'dealer_pcc', 'api_registration', 'mt_meet', 'workshop_survey', 'warranty_survey', 'technical_survey'
  )),
  record_id UUID NOT NULL,
  dealer_id UUID NOT NULL REFERENCES dealers(id),
  step VARCHAR(30) NOT NULL,
  from_status VARCHAR(30),
  to_status VARCHAR(30) NOT NULL,
  actor_id UUID REFERENCES users(id),
  actor_name VARCHAR(255) NOT NULL,
  comment TEXT,
  created_at TIMESTAMP NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX idx_record_history_record ON record_history (record_id, created_at);
ALTER TABLE record_history ENABLE ROW LEVEL SECURITY;
CREATE POLICY dealer_isolation ON record_history
  USING (app_sees_dealer(dealer_id))
  WITH CHECK (app_sees_dealer(dealer_id) AND actor_id = app_user_id());
-- History is written once and never changed.
REVOKE UPDATE, DELETE ON record_history FROM oap_app;

-- 3. PCC applications: optimistic concurrency, who changed them last, numbers at submission.
-- The one change to a seed column: a draft has no number until it is submitted (the seed's
-- NOT NULL would force a made-up one). server/tests/schema.rs lists it as intended.
ALTER TABLE dealer_pcc
  ADD COLUMN version INTEGER NOT NULL DEFAULT 1 CHECK (version > 0),
  ADD COLUMN updated_by UUID REFERENCES users(id),
  ADD COLUMN submitted_at TIMESTAMP,
  ALTER COLUMN application_number DROP NOT NULL;
-- A draft has no number yet ("Draft"); everything submitted has one.
ALTER TABLE dealer_pcc ADD CONSTRAINT dealer_pcc_number_once_submitted
  CHECK (status = 'draft' OR application_number IS NOT NULL);
-- At most one open application per dealer.
CREATE UNIQUE INDEX dealer_pcc_one_open_per_dealer ON dealer_pcc (dealer_id)
  WHERE status IN ('draft', 'pending', 'under_review', 'revision_requested');
-- The list's keyset orders, for everyone and within one dealer; the queue's oldest-first order.
CREATE INDEX idx_dealer_pcc_updated ON dealer_pcc (updated_at DESC, id DESC);
CREATE INDEX idx_dealer_pcc_dealer_updated ON dealer_pcc (dealer_id, updated_at DESC, id DESC);
CREATE INDEX idx_dealer_pcc_number ON dealer_pcc (application_number text_pattern_ops);
CREATE INDEX idx_dealer_pcc_awaiting ON dealer_pcc (submitted_at, id)
  WHERE status IN ('pending', 'under_review');
-- Module lists search "by dealer": code and name, in any part, through a trigram index (the
-- dealers table runs to tens of thousands in a large network).
CREATE INDEX idx_dealers_search ON dealers USING gin (lower(dealer_code::text || ' ' || dealer_name::text) gin_trgm_ops);

-- 4. Who hears of what. A dealer user's transaction may notify the module's approvers and its own
--    dealer's users (a submission tells the approvers), never another dealer's. These helpers run
--    with their owner's rights because the application role cannot read manufacturer users or
--    other users' permissions; each answers only the one fact it is named for.
CREATE FUNCTION app_may_notify(target UUID) RETURNS BOOLEAN
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT EXISTS (
    SELECT 1 FROM users u
     WHERE u.id = target
       AND (u.user_type = 'manufacturer' OR app_sees_dealer(u.dealer_id) OR u.id = app_user_id())
  )
$$;

CREATE FUNCTION module_approvers(p_module VARCHAR) RETURNS SETOF UUID
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT u.id FROM users u JOIN module_access m ON m.user_id = u.id
   WHERE m.module = p_module AND m.can_approve IS TRUE
     AND u.user_type = 'manufacturer' AND u.is_active IS TRUE
$$;

DROP POLICY own_or_all ON notifications;
CREATE POLICY own_read ON notifications FOR SELECT USING (user_id = app_user_id());
CREATE POLICY own_update ON notifications FOR UPDATE
  USING (user_id = app_user_id()) WITH CHECK (user_id = app_user_id());
CREATE POLICY notify_allowed ON notifications FOR INSERT WITH CHECK (app_may_notify(user_id));
REVOKE DELETE ON notifications FROM oap_app;
CREATE INDEX idx_notifications_user_recent ON notifications (user_id, created_at DESC, id DESC);
CREATE INDEX idx_notifications_user_unread ON notifications (user_id) WHERE is_read IS NOT TRUE;

-- 5. The live stream learns of ended sessions at once, whichever path ended them.
CREATE FUNCTION notify_session_ended() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('oap_events', json_build_object('kind', 'session_ended', 'session_id', NEW.id)::text);
  RETURN NEW;
END
$$;
CREATE TRIGGER session_logs_notify_ended AFTER UPDATE OF is_active ON session_logs
  FOR EACH ROW WHEN (OLD.is_active IS TRUE AND NEW.is_active IS NOT TRUE)
  EXECUTE FUNCTION notify_session_ended();

-- 6. The name of a user whose id a record carries (its submitter, reviewer, last editor). Dealer
--    users cannot read manufacturer users' rows; this answers the name alone, for an id they
--    already hold.
CREATE FUNCTION user_display_name(p_user UUID) RETURNS TEXT
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT name::text FROM users WHERE id = p_user
$$;

-- 7. Whose a record is, whatever the caller may see: a dealer user asking for another dealer's
--    record by id is then refused by `authorize` (and the refusal audited) rather than simply not
--    finding it. The answer never reaches the caller; the service decides on it.
CREATE FUNCTION record_owner(p_module VARCHAR, p_id UUID, OUT dealer_id UUID, OUT submitted_by UUID)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  CASE p_module
    WHEN 'dealer_pcc' THEN
      SELECT t.dealer_id, t.submitted_by INTO dealer_id, submitted_by FROM dealer_pcc t WHERE t.id = p_id;
    ELSE
      RAISE EXCEPTION 'record_owner: no module %', p_module;
  END CASE;
END
$$;

-- 8. The functions above that run with their owner's rights are for the server's requests only.
REVOKE EXECUTE ON FUNCTION next_record_number(VARCHAR, INTEGER), app_may_notify(UUID),
  module_approvers(VARCHAR), user_display_name(UUID), record_owner(VARCHAR, UUID) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION next_record_number(VARCHAR, INTEGER), app_may_notify(UUID),
  module_approvers(VARCHAR), user_display_name(UUID), record_owner(VARCHAR, UUID) TO oap_app;

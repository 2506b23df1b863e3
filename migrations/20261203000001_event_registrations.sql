-- Event registrations: the event catalogue (API events and MT Meets), seats and the waitlist, and
-- the registration tables' workflow columns.

-- 1. The catalogue. Everyone signed in reads it (a dealer picks an event from it); only
--    manufacturer staff change it.
CREATE TABLE events (
  id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
  kind VARCHAR(20) NOT NULL CHECK (kind IN ('api', 'mt_meet')),
  name VARCHAR(255) NOT NULL CHECK (length(btrim(name)) > 0),
  event_date DATE NOT NULL,
  location VARCHAR(255) NOT NULL,
  capacity INTEGER NOT NULL CHECK (capacity BETWEEN 1 AND 100000),
  dealer_quota INTEGER CHECK (dealer_quota IS NULL OR dealer_quota BETWEEN 1 AND capacity),
  registration_deadline TIMESTAMP NOT NULL,
  status VARCHAR(20) NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed', 'cancelled')),
  eligibility_note TEXT,
  cancel_reason TEXT,
  version INTEGER NOT NULL DEFAULT 1 CHECK (version > 0),
  created_by UUID REFERENCES users(id),
  updated_by UUID REFERENCES users(id),
  created_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
  updated_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
  CONSTRAINT events_deadline_before_event CHECK (registration_deadline::date <= event_date),
  CONSTRAINT events_cancelled_say_why CHECK (status <> 'cancelled' OR cancel_reason IS NOT NULL)
);
CREATE INDEX idx_events_kind_date ON events (kind, event_date, id);
CREATE TRIGGER events_set_updated_at BEFORE UPDATE ON events
  FOR EACH ROW EXECUTE FUNCTION set_updated_at();
ALTER TABLE events ENABLE ROW LEVEL SECURITY;
CREATE POLICY everyone_reads ON events FOR SELECT USING (true);
CREATE POLICY manufacturer_write ON events USING (app_is_manufacturer()) WITH CHECK (app_is_manufacturer());

-- 2. Registrations reference their event (the seed's event_name/date/location stay filled from
--    it), hold a seat or wait for one, and carry the workflow core's version and last editor.
--    A waiting registration is `registered` with a place in line (`waitlist_position`, arrival
--    order); a seat holder has none.
ALTER TABLE api_registrations
  ADD COLUMN event_id UUID REFERENCES events(id),
  ADD COLUMN waitlist_position INTEGER CHECK (waitlist_position > 0),
  ADD COLUMN version INTEGER NOT NULL DEFAULT 1 CHECK (version > 0),
  ADD COLUMN updated_by UUID REFERENCES users(id),
  ADD COLUMN cancel_reason TEXT,
  ADD CONSTRAINT api_reg_waiting_is_registered CHECK (waitlist_position IS NULL OR status = 'registered');
ALTER TABLE mt_meet_registrations
  ADD COLUMN event_id UUID REFERENCES events(id),
  ADD COLUMN waitlist_position INTEGER CHECK (waitlist_position > 0),
  ADD COLUMN version INTEGER NOT NULL DEFAULT 1 CHECK (version > 0),
  ADD COLUMN updated_by UUID REFERENCES users(id),
  ADD COLUMN cancel_reason TEXT,
  ADD CONSTRAINT mt_meet_waiting_is_registered CHECK (waitlist_position IS NULL OR status = 'registered');

-- One person once per event (by e-mail; for MT Meets by the dealer's employee id too), and a
-- technician in one meet per day. Unique indexes, so concurrent registrations cannot both pass.
CREATE UNIQUE INDEX api_reg_person_once_per_event ON api_registrations (event_id, lower(employee_email))
  WHERE status <> 'cancelled';
CREATE UNIQUE INDEX mt_meet_email_once_per_event ON mt_meet_registrations (event_id, lower(technician_email))
  WHERE status <> 'cancelled' AND technician_email IS NOT NULL;
CREATE UNIQUE INDEX mt_meet_technician_once_per_day
  ON mt_meet_registrations (dealer_id, lower(technician_employee_id), meet_date)
  WHERE status <> 'cancelled';

-- Seats and the line, the lists' keyset orders (an event's too: its search branch needs a plain
-- event index, or the search's OR falls back to a scan of the table), number and person search,
-- the queue.
CREATE INDEX idx_api_reg_event_dealer ON api_registrations (event_id, dealer_id) WHERE status <> 'cancelled';
CREATE INDEX idx_api_reg_waiting ON api_registrations (event_id, waitlist_position) WHERE waitlist_position IS NOT NULL;
CREATE INDEX idx_api_reg_updated ON api_registrations (updated_at DESC, id DESC);
CREATE INDEX idx_api_reg_event_updated ON api_registrations (event_id, updated_at DESC, id DESC);
CREATE INDEX idx_api_reg_dealer_updated ON api_registrations (dealer_id, updated_at DESC, id DESC);
CREATE INDEX idx_api_reg_number ON api_registrations (registration_number text_pattern_ops);
CREATE INDEX idx_api_reg_person ON api_registrations
  USING gin (lower(employee_name::text || ' ' || coalesce(employee_email::text, '')) gin_trgm_ops);
CREATE INDEX idx_api_reg_awaiting ON api_registrations (created_at, id)
  WHERE status = 'registered' AND waitlist_position IS NULL;
CREATE INDEX idx_mt_meet_event_dealer ON mt_meet_registrations (event_id, dealer_id) WHERE status <> 'cancelled';
CREATE INDEX idx_mt_meet_waiting ON mt_meet_registrations (event_id, waitlist_position) WHERE waitlist_position IS NOT NULL;
CREATE INDEX idx_mt_meet_updated ON mt_meet_registrations (updated_at DESC, id DESC);
CREATE INDEX idx_mt_meet_event_updated ON mt_meet_registrations (event_id, updated_at DESC, id DESC);
CREATE INDEX idx_mt_meet_dealer_updated ON mt_meet_registrations (dealer_id, updated_at DESC, id DESC);
CREATE INDEX idx_mt_meet_number ON mt_meet_registrations (registration_number text_pattern_ops);
CREATE INDEX idx_mt_meet_person ON mt_meet_registrations
  USING gin (lower(technician_name::text || ' ' || coalesce(technician_email::text, '') || ' ' ||
                   coalesce(technician_employee_id::text, '')) gin_trgm_ops);
CREATE INDEX idx_mt_meet_awaiting ON mt_meet_registrations (created_at, id)
  WHERE status = 'registered' AND waitlist_position IS NULL;

-- Numbers already given are never given again.
INSERT INTO record_numbers (prefix, year, last_value)
SELECT m[1], (m[2])::int, max((m[3])::int)
  FROM (SELECT regexp_match(registration_number, '^(API)-(\d{4})-(\d{6})$') AS m FROM api_registrations
        UNION ALL
        SELECT regexp_match(registration_number, '^(MTM)-(\d{4})-(\d{6})$') FROM mt_meet_registrations) numbered
 WHERE m IS NOT NULL
 GROUP BY m[1], m[2]
ON CONFLICT (prefix, year) DO UPDATE SET last_value = greatest(record_numbers.last_value, EXCLUDED.last_value);

-- 3. Seats are counted across every dealer, which a dealer user's transaction cannot see. These
--    functions run with their owner's rights and answer counts only.
--
-- The registrations table of an event kind (the one place that maps one to the other in SQL).
CREATE FUNCTION event_registrations_table(p_kind VARCHAR) RETURNS TEXT
LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE p_kind WHEN 'api' THEN 'api_registrations' WHEN 'mt_meet' THEN 'mt_meet_registrations' END
$$;

-- Seats held (everyone's, and one dealer's) and people waiting at an event. VOLATILE on purpose:
-- a STABLE function reads with its calling statement's snapshot, taken before that statement
-- waited for the event's lock, so it would miss the registration the lock's previous holder just
-- committed (and overbook). A VOLATILE one takes a fresh snapshot, after the lock is held.
CREATE FUNCTION event_seats(p_event UUID, p_dealer UUID,
                            OUT taken INTEGER, OUT dealer_taken INTEGER, OUT waiting INTEGER)
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  tbl TEXT;
BEGIN
  SELECT event_registrations_table(kind) INTO tbl FROM events WHERE id = p_event;
  taken := 0; dealer_taken := 0; waiting := 0;
  IF tbl IS NULL THEN
    RETURN;
  END IF;
  EXECUTE format(
    'SELECT count(*) FILTER (WHERE waitlist_position IS NULL),
            count(*) FILTER (WHERE waitlist_position IS NULL AND dealer_id = $2),
            count(*) FILTER (WHERE waitlist_position IS NOT NULL)
       FROM %I WHERE event_id = $1 AND status <> ''cancelled''', tbl)
    INTO taken, dealer_taken, waiting USING p_event, p_dealer;
END
$$;

-- Locks an event against concurrent seat changes until the transaction ends (registrations,
-- cancellations and promotions queue on it, so capacity and quotas hold), and answers it.
CREATE FUNCTION lock_event(p_event UUID) RETURNS SETOF events
LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT * FROM events WHERE id = p_event FOR UPDATE
$$;

-- The next place in an event's line (arrival order). Called with the event locked; VOLATILE for
-- the same reason as event_seats.
CREATE FUNCTION next_waitlist_position(p_event UUID) RETURNS INTEGER
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  tbl TEXT;
  n INTEGER;
BEGIN
  SELECT event_registrations_table(kind) INTO tbl FROM events WHERE id = p_event;
  EXECUTE format('SELECT coalesce(max(waitlist_position), 0) + 1 FROM %I WHERE event_id = $1', tbl)
    INTO n USING p_event;
  RETURN n;
END
$$;

-- Gives free seats to the first people waiting (whose dealer is under its quota), in arrival
-- order, with the event locked: the timeline entry and the registrar's notification are written
-- here because the person promoted may be another dealer's, whom the caller's transaction cannot
-- reach. Answers who was promoted; the caller publishes the live events and audits.
CREATE FUNCTION promote_waiting(p_event UUID, p_actor UUID, p_actor_name TEXT, p_link_base TEXT)
RETURNS TABLE (id UUID, dealer_id UUID, registered_by UUID, number TEXT, version INTEGER)
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  e events;
  tbl TEXT;
  module TEXT;
  person TEXT;
  held INTEGER;
  r RECORD;
BEGIN
  SELECT * INTO e FROM events WHERE events.id = p_event FOR UPDATE;
  IF NOT FOUND OR e.status = 'cancelled' THEN
    RETURN;
  END IF;
  tbl := event_registrations_table(e.kind);
  module := CASE e.kind WHEN 'api' THEN 'api_registration' ELSE 'mt_meet' END;
  person := CASE e.kind WHEN 'api' THEN 'employee_name' ELSE 'technician_name' END;
  LOOP
    EXECUTE format('SELECT count(*) FROM %I WHERE event_id = $1 AND status <> ''cancelled'' AND waitlist_position IS NULL', tbl)
      INTO held USING p_event;
    EXIT WHEN held >= e.capacity;
    EXECUTE format(
      'SELECT a.id, a.dealer_id, a.registered_by, a.registration_number::text AS number, a.%I::text AS person
         FROM %I a
        WHERE a.event_id = $1 AND a.status = ''registered'' AND a.waitlist_position IS NOT NULL
          AND ($2::int IS NULL OR (SELECT count(*) FROM %I b
                                    WHERE b.event_id = $1 AND b.dealer_id = a.dealer_id
                                      AND b.status <> ''cancelled'' AND b.waitlist_position IS NULL) < $2)
        ORDER BY a.waitlist_position LIMIT 1', person, tbl, tbl)
      INTO r USING p_event, e.dealer_quota;
    EXIT WHEN r.id IS NULL;
    EXECUTE format('UPDATE %I SET waitlist_position = NULL, version = version + 1, updated_by = $2
                     WHERE id = $1 RETURNING version', tbl)
      INTO version USING r.id, p_actor;
    INSERT INTO record_history (module, record_id, dealer_id, step, from_status, to_status, actor_id, actor_name, comment)
    VALUES (module, r.id, r.dealer_id, 'promote', 'registered', 'registered', p_actor, p_actor_name,
            'A seat came free: moved from the waitlist to a seat.');
    INSERT INTO notifications (user_id, title, message, type, link)
    SELECT u.id, format('%s has a seat', r.number),
           format('%s is off the waitlist for %s on %s: a seat came free.', r.person, e.name, e.event_date),
           'success', p_link_base || '/' || r.id
      FROM users u WHERE u.id = r.registered_by AND u.dealer_id = r.dealer_id AND u.is_active IS TRUE;
    id := r.id; dealer_id := r.dealer_id; registered_by := r.registered_by; number := r.number;
    RETURN NEXT;
  END LOOP;
END
$$;

-- 4. Whose a registration is (see record_owner in the workflow core's migration).
CREATE OR REPLACE FUNCTION record_owner(p_module VARCHAR, p_id UUID, OUT dealer_id UUID, OUT submitted_by UUID)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  CASE p_module
    WHEN 'dealer_pcc' THEN
      SELECT t.dealer_id, t.submitted_by INTO dealer_id, submitted_by FROM dealer_pcc t WHERE t.id = p_id;
    WHEN 'api_registration' THEN
      SELECT t.dealer_id, t.registered_by INTO dealer_id, submitted_by FROM api_registrations t WHERE t.id = p_id;
    WHEN 'mt_meet' THEN
      SELECT t.dealer_id, t.registered_by INTO dealer_id, submitted_by FROM mt_meet_registrations t WHERE t.id = p_id;
    ELSE
      RAISE EXCEPTION 'record_owner: no module %', p_module;
  END CASE;
END
$$;

REVOKE EXECUTE ON FUNCTION event_seats(UUID, UUID), lock_event(UUID), next_waitlist_position(UUID),
  promote_waiting(UUID, UUID, TEXT, TEXT), record_owner(VARCHAR, UUID) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION event_seats(UUID, UUID), lock_event(UUID), next_waitlist_position(UUID),
  promote_waiting(UUID, UUID, TEXT, TEXT), record_owner(VARCHAR, UUID) TO oap_app;

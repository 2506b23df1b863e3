-- Surveys: versioned form definitions, periods, the survey tables' workflow columns, reminders,
-- and the network figures a dealer user may see (aggregates only).

-- 1. Form definitions. A version is edited while it is a draft; once published it never changes
--    again (a trigger says so), and publishing the next retires it. Responses keep the version
--    they answered, so an old response renders and re-scores exactly as it was submitted.
CREATE TABLE survey_forms (
  kind VARCHAR(20) NOT NULL CHECK (kind IN ('workshop', 'warranty', 'technical')),
  version INTEGER NOT NULL CHECK (version > 0),
  status VARCHAR(20) NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'published', 'retired')),
  definition JSONB NOT NULL CHECK (jsonb_typeof(definition) = 'object'),
  lock INTEGER NOT NULL DEFAULT 1 CHECK (lock > 0),
  created_by UUID REFERENCES users(id),
  updated_by UUID REFERENCES users(id),
  published_by UUID REFERENCES users(id),
  published_at TIMESTAMP,
  created_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
  updated_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
  PRIMARY KEY (kind, version),
  CONSTRAINT survey_forms_published_stamped CHECK (status = 'draft' OR published_at IS NOT NULL)
);
CREATE UNIQUE INDEX survey_forms_one_draft ON survey_forms (kind) WHERE status = 'draft';
CREATE UNIQUE INDEX survey_forms_one_published ON survey_forms (kind) WHERE status = 'published';
CREATE TRIGGER survey_forms_set_updated_at BEFORE UPDATE ON survey_forms
  FOR EACH ROW EXECUTE FUNCTION set_updated_at();

CREATE FUNCTION survey_forms_frozen() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    IF OLD.status <> 'draft' THEN
      RAISE EXCEPTION 'survey form % v% was published and cannot be deleted', OLD.kind, OLD.version;
    END IF;
    RETURN OLD;
  END IF;
  -- Once published, nothing but the step to retired (and its stamps) changes.
  IF OLD.status <> 'draft' AND (
       (to_jsonb(NEW) - '{status,updated_at,updated_by}'::text[])
         IS DISTINCT FROM (to_jsonb(OLD) - '{status,updated_at,updated_by}'::text[])
       OR NOT (OLD.status = 'published' AND NEW.status = 'retired' OR NEW.status = OLD.status)) THEN
    RAISE EXCEPTION 'survey form % v% was published and cannot change', OLD.kind, OLD.version;
  END IF;
  RETURN NEW;
END
$$;
CREATE TRIGGER survey_forms_frozen BEFORE UPDATE OR DELETE ON survey_forms
  FOR EACH ROW EXECUTE FUNCTION survey_forms_frozen();

ALTER TABLE survey_forms ENABLE ROW LEVEL SECURITY;
CREATE POLICY published_read ON survey_forms FOR SELECT USING (status <> 'draft' OR app_is_manufacturer());
CREATE POLICY manufacturer_write ON survey_forms USING (app_is_manufacturer()) WITH CHECK (app_is_manufacturer());

-- 2. Periods: one per survey and name; a dealer answers each period once.
CREATE TABLE survey_periods (
  id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
  kind VARCHAR(20) NOT NULL CHECK (kind IN ('workshop', 'warranty', 'technical')),
  name VARCHAR(50) NOT NULL CHECK (length(btrim(name)) > 0),
  starts_on DATE NOT NULL,
  ends_on DATE NOT NULL,
  version INTEGER NOT NULL DEFAULT 1 CHECK (version > 0),
  created_by UUID REFERENCES users(id),
  updated_by UUID REFERENCES users(id),
  created_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
  updated_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
  CONSTRAINT survey_periods_name_once UNIQUE (kind, name),
  CONSTRAINT survey_periods_in_order CHECK (ends_on >= starts_on)
);
CREATE INDEX idx_survey_periods_kind ON survey_periods (kind, starts_on DESC, id);
CREATE INDEX idx_survey_periods_ending ON survey_periods (ends_on);
CREATE TRIGGER survey_periods_set_updated_at BEFORE UPDATE ON survey_periods
  FOR EACH ROW EXECUTE FUNCTION set_updated_at();
ALTER TABLE survey_periods ENABLE ROW LEVEL SECURITY;
CREATE POLICY everyone_reads ON survey_periods FOR SELECT USING (true);
CREATE POLICY manufacturer_write ON survey_periods USING (app_is_manufacturer()) WITH CHECK (app_is_manufacturer());

-- Reminders sent: one per period, dealer and day before the end, so a restart never repeats one.
CREATE TABLE survey_reminders (
  period_id UUID NOT NULL REFERENCES survey_periods(id) ON DELETE CASCADE,
  dealer_id UUID NOT NULL REFERENCES dealers(id),
  days_before INTEGER NOT NULL CHECK (days_before > 0),
  sent_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
  PRIMARY KEY (period_id, dealer_id, days_before)
);
ALTER TABLE survey_reminders ENABLE ROW LEVEL SECURITY;
CREATE POLICY manufacturer_only ON survey_reminders USING (app_is_manufacturer()) WITH CHECK (app_is_manufacturer());

-- 3. The survey tables: their period and form version, the workflow core's version and stamps.
--    `responses` holds {"form_version": n, "answers": {...}, "score": {...}}; `overall_score` is
--    the server's score at submission (0 to 100, two decimals).
DO $$
DECLARE
  t TEXT;
BEGIN
  FOREACH t IN ARRAY ARRAY['workshop_surveys', 'warranty_surveys', 'technical_surveys']
  LOOP
    EXECUTE format($f$
      ALTER TABLE %1$I
        ADD COLUMN period_id UUID REFERENCES survey_periods(id),
        ADD COLUMN form_version INTEGER NOT NULL DEFAULT 1 CHECK (form_version > 0),
        ADD COLUMN version INTEGER NOT NULL DEFAULT 1 CHECK (version > 0),
        ADD COLUMN updated_by UUID REFERENCES users(id),
        ADD COLUMN submitted_at TIMESTAMP,
        ADD COLUMN reviewed_by UUID REFERENCES users(id),
        ADD COLUMN reviewed_at TIMESTAMP,
        ADD COLUMN review_comments TEXT,
        ADD COLUMN completed_by UUID REFERENCES users(id),
        ADD COLUMN completed_at TIMESTAMP,
        ADD COLUMN completion_comments TEXT,
        ADD CONSTRAINT %1$s_scored_when_submitted CHECK (status = 'draft' OR overall_score IS NOT NULL) NOT VALID,
        ADD CONSTRAINT %1$s_score_range CHECK (overall_score BETWEEN 0 AND 100) NOT VALID$f$, t);
    EXECUTE format('CREATE UNIQUE INDEX %1$s_once_per_period ON %1$I (period_id, dealer_id)', t);
    EXECUTE format('CREATE INDEX %1$s_updated ON %1$I (updated_at DESC, id DESC)', t);
    EXECUTE format('CREATE INDEX %1$s_dealer_updated ON %1$I (dealer_id, updated_at DESC, id DESC)', t);
    EXECUTE format('CREATE INDEX %1$s_period_scored ON %1$I (period_id, dealer_id) INCLUDE (overall_score) WHERE status <> ''draft''', t);
    EXECUTE format('CREATE INDEX %1$s_awaiting ON %1$I (submitted_at, id) WHERE status = ''submitted''', t);
    EXECUTE format('CREATE INDEX %1$s_number ON %1$I (survey_number text_pattern_ops)', t);
  END LOOP;
END
$$;

-- The survey table of a kind (the one place that maps one to the other in SQL).
CREATE FUNCTION survey_table(p_kind VARCHAR) RETURNS TEXT
LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE p_kind WHEN 'workshop' THEN 'workshop_surveys' WHEN 'warranty' THEN 'warranty_surveys'
                     WHEN 'technical' THEN 'technical_surveys' END
$$;

-- 4. What a dealer user may know of the network: counts and averages over every dealer's
--    submitted responses, never a row. They run with their owner's rights because a dealer
--    user's transaction sees only its own dealer's responses.
--
-- One period: submitted responses, their average and the count per tenth of the scale.
CREATE FUNCTION survey_network(p_kind VARCHAR, p_period UUID,
                               OUT responses BIGINT, OUT average_bp INTEGER, OUT bands BIGINT[])
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  EXECUTE format(
    'SELECT count(*), round(avg(overall_score) * 100)::int,
            array(SELECT count(s2.id) FROM generate_series(0, 9) b
                    LEFT JOIN %1$I s2 ON s2.period_id = $1 AND s2.status <> ''draft''
                         AND least(floor(s2.overall_score / 10), 9) = b
                   GROUP BY b ORDER BY b)
       FROM %1$I s WHERE s.period_id = $1 AND s.status <> ''draft''', survey_table(p_kind))
    INTO responses, average_bp, bands USING p_period;
END
$$;

-- One period, question by question: how many responses scored it and their average.
CREATE FUNCTION survey_network_questions(p_kind VARCHAR, p_period UUID)
RETURNS TABLE (question TEXT, answered BIGINT, average_bp INTEGER)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  RETURN QUERY EXECUTE format(
    'SELECT q.key, count(*), round(avg(q.value::int))::int
       FROM %I s, jsonb_each_text(s.responses -> ''score'' -> ''questions'') q
      WHERE s.period_id = $1 AND s.status <> ''draft''
      GROUP BY q.key', survey_table(p_kind))
    USING p_period;
END
$$;

-- Every period of a kind: submitted responses and their average.
CREATE FUNCTION survey_network_trend(p_kind VARCHAR)
RETURNS TABLE (period_id UUID, responses BIGINT, average_bp INTEGER)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  RETURN QUERY EXECUTE format(
    'SELECT s.period_id, count(*), round(avg(s.overall_score) * 100)::int
       FROM %I s WHERE s.status <> ''draft'' AND s.period_id IS NOT NULL
      GROUP BY s.period_id', survey_table(p_kind));
END
$$;

-- Who decides on a module: the approval notifications of every submission ask it, over a
-- module_access table of (users x modules) rows, of which the approvers are a handful.
CREATE INDEX idx_module_access_approvers ON module_access (module) WHERE can_approve IS TRUE;

-- 5. Whose a response is (see record_owner in the workflow core's migration).
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
    WHEN 'workshop_survey' THEN
      SELECT t.dealer_id, t.submitted_by INTO dealer_id, submitted_by FROM workshop_surveys t WHERE t.id = p_id;
    WHEN 'warranty_survey' THEN
      SELECT t.dealer_id, t.submitted_by INTO dealer_id, submitted_by FROM warranty_surveys t WHERE t.id = p_id;
    WHEN 'technical_survey' THEN
      SELECT t.dealer_id, t.submitted_by INTO dealer_id, submitted_by FROM technical_surveys t WHERE t.id = p_id;
    ELSE
      RAISE EXCEPTION 'record_owner: no module %', p_module;
  END CASE;
END
$$;

REVOKE EXECUTE ON FUNCTION survey_network(VARCHAR, UUID), survey_network_questions(VARCHAR, UUID),
  survey_network_trend(VARCHAR), record_owner(VARCHAR, UUID) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION survey_network(VARCHAR, UUID), survey_network_questions(VARCHAR, UUID),
  survey_network_trend(VARCHAR), record_owner(VARCHAR, UUID) TO oap_app;

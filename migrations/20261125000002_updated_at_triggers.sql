-- The seed gives every mutable table an `updated_at` column defaulting to the insert time but nothing
-- that moves it on UPDATE, so it would silently equal `created_at` forever. One trigger function keeps it
-- current for every such table; application code never has to remember to set it.

CREATE FUNCTION set_updated_at() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  -- An UPDATE that sets updated_at explicitly (e.g. a data import preserving history) keeps its value.
  IF NEW.updated_at IS NOT DISTINCT FROM OLD.updated_at THEN
    NEW.updated_at := CURRENT_TIMESTAMP;
  END IF;
  RETURN NEW;
END;
$$;

DO $$
DECLARE
  t text;
BEGIN
  FOREACH t IN ARRAY ARRAY[
    'users', 'dealers', 'dealer_pcc', 'api_registrations', 'mt_meet_registrations',
    'workshop_surveys', 'warranty_surveys', 'technical_surveys', 'settings'
  ] LOOP
    EXECUTE format(
      'CREATE TRIGGER %I BEFORE UPDATE ON %I FOR EACH ROW EXECUTE FUNCTION set_updated_at()',
      t || '_set_updated_at', t
    );
  END LOOP;
END;
$$;

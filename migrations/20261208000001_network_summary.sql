-- The administrators' network figures at any size. Counting submissions per month and timing PCC
-- decisions straight from record_history scanned millions of rows per page view (3.8 s at a
-- million records); these two tables hold the same figures, kept up to date inside every
-- transaction that writes history, so a page view reads a few hundred summary rows.
--
-- One statement-level trigger keeps both: a bulk insert (the demo generator) pays once per
-- statement, a workflow step once per step. Submissions are counted per day in 8 shards chosen by
-- the writing backend, so concurrent submissions seldom wait on the same counter row.

CREATE TABLE network_daily (
  day DATE NOT NULL,
  module VARCHAR(50) NOT NULL,
  shard SMALLINT NOT NULL,
  submissions BIGINT NOT NULL CHECK (submissions >= 0),
  PRIMARY KEY (day, module, shard)
);

-- One row per PCC approval or rejection, with the hours since the submission it decided.
CREATE TABLE pcc_decisions (
  history_id UUID PRIMARY KEY,
  decided_at TIMESTAMP NOT NULL,
  approved BOOLEAN NOT NULL,
  hours DOUBLE PRECISION
);
CREATE INDEX idx_pcc_decisions_at ON pcc_decisions (decided_at) INCLUDE (approved, hours);

-- What counts as a submission: a submit (PCC, surveys) or a registration's creation.
CREATE FUNCTION history_is_submission(p_module VARCHAR, p_step VARCHAR) RETURNS BOOLEAN
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  RETURN p_step = 'submit' OR (p_step = 'create' AND p_module IN ('api_registration', 'mt_meet'));

-- Runs as the owner: dealer users write history under the application role, which has no rights
-- on the summary tables (nobody but this function writes them).
CREATE FUNCTION record_history_summarise() RETURNS TRIGGER
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  INSERT INTO network_daily AS n (day, module, shard, submissions)
  SELECT created_at::date, module, pg_backend_pid() % 8, count(*)
    FROM summarise_new
   WHERE history_is_submission(module, step)
   GROUP BY 1, 2
  ON CONFLICT (day, module, shard) DO UPDATE SET submissions = n.submissions + EXCLUDED.submissions;

  INSERT INTO pcc_decisions (history_id, decided_at, approved, hours)
  SELECT d.id, d.created_at, d.step = 'approve',
         extract(epoch FROM d.created_at - (
           SELECT max(s.created_at) FROM record_history s
            WHERE s.record_id = d.record_id AND s.step IN ('submit', 'resubmit')
              AND s.created_at <= d.created_at)) / 3600
    FROM summarise_new d
   WHERE d.module = 'dealer_pcc' AND d.step IN ('approve', 'reject');
  RETURN NULL;
END $$;
REVOKE EXECUTE ON FUNCTION record_history_summarise() FROM PUBLIC;

CREATE TRIGGER record_history_summary AFTER INSERT ON record_history
  REFERENCING NEW TABLE AS summarise_new
  FOR EACH STATEMENT EXECUTE FUNCTION record_history_summarise();

-- The history written before this migration.
INSERT INTO network_daily (day, module, shard, submissions)
SELECT created_at::date, module, 0, count(*)
  FROM record_history WHERE history_is_submission(module, step)
 GROUP BY 1, 2;
INSERT INTO pcc_decisions (history_id, decided_at, approved, hours)
SELECT d.id, d.created_at, d.step = 'approve',
       extract(epoch FROM d.created_at - (
         SELECT max(s.created_at) FROM record_history s
          WHERE s.record_id = d.record_id AND s.step IN ('submit', 'resubmit')
            AND s.created_at <= d.created_at)) / 3600
  FROM record_history d
 WHERE d.module = 'dealer_pcc' AND d.step IN ('approve', 'reject');

-- The application role got every table by default privileges; these are the trigger's alone.
REVOKE ALL ON network_daily, pcc_decisions FROM oap_app;

-- Exports too big to wait for run in the background: the file is written here, in pieces, and
-- the user is notified with a link to it. Kept in the database (not on one server's disk) so a
-- finished file survives restarts, travels with backups and is served by any server process.
CREATE TABLE export_jobs (
  id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id UUID NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  list VARCHAR(60) NOT NULL,
  filename VARCHAR(200) NOT NULL,
  content_type VARCHAR(100) NOT NULL,
  status VARCHAR(20) NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'ready', 'failed')),
  bytes BIGINT NOT NULL DEFAULT 0 CHECK (bytes >= 0),
  error TEXT,
  created_at TIMESTAMP NOT NULL DEFAULT now(),
  progressed_at TIMESTAMP NOT NULL DEFAULT now(),
  finished_at TIMESTAMP,
  CONSTRAINT export_jobs_finished CHECK ((status = 'running') = (finished_at IS NULL))
);
CREATE INDEX idx_export_jobs_user ON export_jobs (user_id, created_at DESC);
CREATE INDEX idx_export_jobs_running ON export_jobs (progressed_at) WHERE status = 'running';

-- The file, in order: piece 0, 1, 2, … of about a megabyte each.
CREATE TABLE export_pieces (
  job_id UUID NOT NULL REFERENCES export_jobs(id) ON DELETE CASCADE,
  seq INTEGER NOT NULL CHECK (seq >= 0),
  data BYTEA NOT NULL,
  PRIMARY KEY (job_id, seq)
);

-- Written and read by the server's own connection only (the job is the user's; the download
-- checks the owner), never inside a dealer user's transaction.
REVOKE ALL ON export_jobs, export_pieces FROM oap_app;

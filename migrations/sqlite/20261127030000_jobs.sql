-- The durable job queue. A job is claimed with a lease that its worker keeps renewing; an
-- expired lease means the worker died, and another claims the job again. At most one queued
-- job per recipe (a trigger arriving while one waits is coalesced into it) and at most one
-- running (enforced when claiming). A dedupe key makes a scheduled run enqueued once however
-- many processes see it due.
CREATE TABLE jobs (
    id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    recipe_id TEXT REFERENCES recipes(id) ON DELETE CASCADE,
    trigger TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('queued', 'running', 'done', 'dead')),
    attempts BIGINT NOT NULL DEFAULT 0,
    max_attempts BIGINT NOT NULL,
    run_after BIGINT NOT NULL,
    lease_owner TEXT,
    lease_until BIGINT,
    last_error TEXT NOT NULL DEFAULT '',
    dedupe_key TEXT UNIQUE,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX jobs_ready ON jobs(status, run_after);
CREATE UNIQUE INDEX jobs_one_queued_per_recipe ON jobs(recipe_id) WHERE status = 'queued';

ALTER TABLE runs ADD COLUMN job_id TEXT;
ALTER TABLE runs ADD COLUMN attempt BIGINT NOT NULL DEFAULT 1;

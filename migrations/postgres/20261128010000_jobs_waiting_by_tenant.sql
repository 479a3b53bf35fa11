-- A claim looks at each workspace's oldest waiting jobs only (in this order), so its cost
-- does not grow with the backlog.
CREATE INDEX jobs_waiting_by_tenant ON jobs(tenant_id, run_after, created_at) WHERE status = 'queued';

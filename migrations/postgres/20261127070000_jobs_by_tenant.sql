-- Claims count each waiting workspace's running jobs (fairness between workspaces).
CREATE INDEX jobs_by_tenant_status ON jobs(tenant_id, status);

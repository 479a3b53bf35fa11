-- Sync recipes, their runs, the identity map between the two systems' ids, record errors,
-- and per-run step logs.
CREATE TABLE recipes (
    id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    source_connection_id TEXT NOT NULL,
    source_object TEXT NOT NULL,
    destination_connection_id TEXT NOT NULL,
    destination_object TEXT NOT NULL,
    -- JSON: the field mapping and filter (server/src/sync/mapping).
    mapping TEXT NOT NULL,
    mode TEXT NOT NULL CHECK (mode IN ('incremental', 'full')),
    delete_policy TEXT NOT NULL CHECK (delete_policy IN ('ignore', 'propagate', 'archive')),
    -- Destination field that identifies a record for idempotent upserts; '' = create/update.
    upsert_key TEXT NOT NULL DEFAULT '',
    enabled BIGINT NOT NULL DEFAULT 1,
    -- Where the next incremental read starts; advanced only after the writes it covers.
    cursor TEXT,
    created_by TEXT REFERENCES users(id) ON DELETE SET NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX recipes_by_tenant ON recipes(tenant_id, created_at);

CREATE TABLE runs (
    id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    recipe_id TEXT NOT NULL REFERENCES recipes(id) ON DELETE CASCADE,
    trigger TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('queued', 'running', 'succeeded', 'succeeded_with_errors', 'failed', 'interrupted')),
    read_count BIGINT NOT NULL DEFAULT 0,
    created_count BIGINT NOT NULL DEFAULT 0,
    updated_count BIGINT NOT NULL DEFAULT 0,
    unchanged_count BIGINT NOT NULL DEFAULT 0,
    skipped_count BIGINT NOT NULL DEFAULT 0,
    failed_count BIGINT NOT NULL DEFAULT 0,
    deleted_count BIGINT NOT NULL DEFAULT 0,
    cursor_before TEXT,
    cursor_after TEXT,
    error_kind TEXT NOT NULL DEFAULT '',
    error_message TEXT NOT NULL DEFAULT '',
    queued_at BIGINT NOT NULL,
    started_at BIGINT,
    finished_at BIGINT,
    heartbeat_at BIGINT
);
CREATE INDEX runs_by_tenant ON runs(tenant_id, queued_at);
CREATE INDEX runs_by_recipe ON runs(recipe_id, queued_at);

CREATE TABLE record_links (
    tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    recipe_id TEXT NOT NULL REFERENCES recipes(id) ON DELETE CASCADE,
    source_id TEXT NOT NULL,
    destination_id TEXT NOT NULL,
    -- SHA-256 of the mapped record last written: equal means unchanged, nothing to write.
    content_hash TEXT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (recipe_id, source_id)
);

CREATE TABLE record_errors (
    id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    recipe_id TEXT NOT NULL REFERENCES recipes(id) ON DELETE CASCADE,
    run_id TEXT NOT NULL,
    source_id TEXT NOT NULL,
    stage TEXT NOT NULL,
    kind TEXT NOT NULL,
    message TEXT NOT NULL,
    -- Redacted JSON of the source record.
    payload TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('open', 'retried', 'resolved', 'ignored')),
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX record_errors_by_tenant ON record_errors(tenant_id, created_at);
CREATE INDEX record_errors_by_run ON record_errors(run_id);

CREATE TABLE run_logs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    run_id TEXT NOT NULL,
    at BIGINT NOT NULL,
    level TEXT NOT NULL,
    message TEXT NOT NULL
);
CREATE INDEX run_logs_by_run ON run_logs(run_id, id);

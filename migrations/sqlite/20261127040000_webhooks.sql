-- Inbound webhooks. An endpoint's id is a long random token because it is the URL
-- (/hooks/{id}) providers call: knowing it is the first gate, the signature the second.
-- The signing secret is sealed like connection credentials (context webhook:{tenant}:{id}).
CREATE TABLE webhook_endpoints (
    id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    recipe_id TEXT NOT NULL REFERENCES recipes(id) ON DELETE CASCADE,
    -- JSON of webhooks::Scheme, e.g. {"scheme":"stripe"}.
    scheme TEXT NOT NULL,
    secret TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    revoked_at BIGINT
);
CREATE INDEX webhook_endpoints_recipe ON webhook_endpoints(tenant_id, recipe_id);

-- Every authenticated event, stored before the provider gets its 2xx. The unique pair is
-- the dedupe: a redelivered event id inserts nothing and triggers nothing.
CREATE TABLE webhook_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    endpoint_id TEXT NOT NULL REFERENCES webhook_endpoints(id) ON DELETE CASCADE,
    event_id TEXT NOT NULL,
    kind TEXT NOT NULL DEFAULT '',
    -- Redacted JSON of the event object.
    payload TEXT NOT NULL,
    received_at BIGINT NOT NULL,
    run_id TEXT,
    UNIQUE (endpoint_id, event_id)
);
CREATE INDEX webhook_events_tenant ON webhook_events(tenant_id, received_at);

-- Connections to providers, the single-use OAuth states that bind a sign-in to its tenant,
-- and the connection event log that alerts can fire on.
CREATE TABLE connections (
    id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    provider TEXT NOT NULL,
    label TEXT NOT NULL,
    auth_kind TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pending', 'active', 'needs_reauth', 'error', 'disabled')),
    status_reason TEXT NOT NULL DEFAULT '',
    account_id TEXT NOT NULL DEFAULT '',
    account_name TEXT NOT NULL DEFAULT '',
    -- Per-connection API base URL (Salesforce instance, Mailchimp data centre, generic HTTP).
    base_url TEXT NOT NULL DEFAULT '',
    -- Sealed JSON (see server/src/secrets): "v1:<key id>:<base64>"; NULL while pending.
    credentials TEXT,
    key_id TEXT NOT NULL DEFAULT '',
    secret_hint TEXT NOT NULL DEFAULT '',
    access_expires_at BIGINT,
    -- One refresher per connection across processes: a lease taken by a conditional update.
    refresh_lock_until BIGINT,
    refresh_lock_owner TEXT,
    last_checked_at BIGINT,
    last_check_ok BIGINT,
    last_check_ms BIGINT,
    last_check_message TEXT NOT NULL DEFAULT '',
    created_by TEXT REFERENCES users(id) ON DELETE SET NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX connections_by_tenant ON connections(tenant_id, created_at);

CREATE TABLE oauth_states (
    state_hash TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    connection_id TEXT NOT NULL REFERENCES connections(id) ON DELETE CASCADE,
    user_id TEXT REFERENCES users(id) ON DELETE CASCADE,
    -- Sealed PKCE verifier, bound to this state.
    pkce_verifier TEXT,
    -- The connection existed before (reconnect): on failure it is kept, not deleted.
    reconnect BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at BIGINT
);
CREATE INDEX oauth_states_by_expiry ON oauth_states(expires_at);

CREATE TABLE connection_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    connection_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    detail TEXT NOT NULL DEFAULT '',
    at BIGINT NOT NULL
);
CREATE INDEX connection_events_by_connection ON connection_events(tenant_id, connection_id, id);

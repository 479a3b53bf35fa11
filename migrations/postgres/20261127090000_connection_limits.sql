-- Limits per connection (a provider account), shared by every run in every process.
--
-- Runs at once: at most `max_concurrent_runs` runs use a connection at the same time (NULL:
-- the server's default). A worker that claims a job over the limit parks it (see jobs).
ALTER TABLE connections ADD COLUMN max_concurrent_runs BIGINT;

-- Requests: a token bucket per connection, refilled at the provider's documented rate.
-- `tokens` counts millionths of a request so slow rates (a day's allocation) stay exact in
-- integers. A 429 empties the bucket and blocks it until the provider's Retry-After, so
-- every run of that account waits, not only the one that was refused. `used`, `waited_ms`
-- and `limited` (429s seen) are what the connection page shows.
CREATE TABLE request_budgets (
    connection_id TEXT PRIMARY KEY REFERENCES connections(id) ON DELETE CASCADE,
    tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    tokens BIGINT NOT NULL,
    refilled_at BIGINT NOT NULL,
    blocked_until BIGINT NOT NULL DEFAULT 0,
    used BIGINT NOT NULL DEFAULT 0,
    waited_ms BIGINT NOT NULL DEFAULT 0,
    limited BIGINT NOT NULL DEFAULT 0
);

-- Every due time of every schedule, once: the primary key makes the first process to see a
-- due time its only owner. `job_id` is the job that does the work: a new one, or (`joined`
-- = 1) the recipe's run that was already waiting, which then covers this due time too.
-- "Did the 02:30 run happen?" has a row to answer it either way.
CREATE TABLE schedule_fires (
    recipe_id TEXT NOT NULL REFERENCES recipes(id) ON DELETE CASCADE,
    due_at BIGINT NOT NULL,
    tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    job_id TEXT NOT NULL,
    joined BIGINT NOT NULL DEFAULT 0,
    fired_at BIGINT NOT NULL,
    PRIMARY KEY (recipe_id, due_at)
);

//! Claiming a job: the query every worker of every process runs between jobs, so its cost is
//! the queue's throughput.
//!
//! A claim takes a due job (queued and due, or running with an expired lease) that can start
//! now: its recipe has no live running job and neither of its connections is at its limit of
//! runs at once (see `slots`). Fairness: the workspace with the fewest jobs running goes
//! first, then the one whose oldest due job is oldest; within a workspace, the oldest due job
//! that can start. A workspace that queues thousands of runs takes one worker after another
//! only while nobody else is waiting; another workspace's job is claimed by the next free
//! worker instead of waiting behind the backlog.
//!
//! On PostgreSQL the claim walks workspaces in that order and, in each, the waiting jobs in
//! index order (`jobs_waiting_by_tenant`), locking the first it can start (`FOR UPDATE SKIP
//! LOCKED`, so concurrent claims in any number of processes take different jobs). It stops at
//! the first: a claim reads a few index entries per workspace with waiting work, however long
//! the backlog. It reads further into one workspace's backlog only past jobs that cannot start
//! (recipe running, connection full) or are being claimed right now. SQLite has one writer and
//! one process; it sorts every due job, which it does quickly enough at its scale.

use std::sync::LazyLock;

use super::jobs::{COLUMNS, from_row};
use super::{Backend, Job, Store, StoreResult, now_ms};

/// What is running now, computed once per claim (at most the number of workers, plus
/// parked jobs): `busy` connections, `live` recipes, each workspace's `load`. `$3` is now.
fn running_now() -> String {
    format!(
        "{busy},
         live AS (SELECT tenant_id, recipe_id FROM jobs WHERE status = 'running' AND lease_until >= $3),
         load AS (SELECT tenant_id, COUNT(*) AS n FROM live GROUP BY tenant_id)",
        busy = super::slots::busy_connections_cte()
    )
}

/// The job `j` (with its recipe `me`) can start: its recipe is not running and neither of
/// its connections is full. Checked by hash lookups into the sets of [`running_now`].
const STARTABLE: &str = "COALESCE(j.recipe_id, '') NOT IN (SELECT recipe_id FROM live WHERE recipe_id IS NOT NULL)
       AND COALESCE(me.source_connection_id, '') NOT IN (SELECT connection_id FROM busy)
       AND COALESCE(me.destination_connection_id, '') NOT IN (SELECT connection_id FROM busy)";

/// The claim's UPDATE of the job `pick` chose; `$1` owner, `$2` lease end, `$3` now.
fn claim_picked(pick: &str) -> String {
    format!(
        "UPDATE jobs SET status = 'running', lease_owner = $1, lease_until = $2, attempts = attempts + 1, updated_at = $3
         WHERE id = ({pick})
         RETURNING {COLUMNS}"
    )
}

fn postgres_claim() -> String {
    // `turn` orders the workspaces with due work (one index probe each); `pick` then takes
    // the first startable job, trying jobs whose lease expired first. Both are evaluated
    // lazily under `LIMIT 1`, so the lateral walk stops at the first workspace that has one
    // (only that row is locked).
    let pick = format!(
        "WITH {running},
           turn AS MATERIALIZED (
             SELECT t.id AS tenant_id FROM tenants t
             CROSS JOIN LATERAL (
               SELECT run_after, created_at FROM jobs
               WHERE tenant_id = t.id AND status = 'queued' AND run_after <= $3
               ORDER BY run_after, created_at LIMIT 1) oldest
             LEFT JOIN load ON load.tenant_id = t.id
             ORDER BY COALESCE(load.n, 0), oldest.run_after, oldest.created_at)
         SELECT id FROM (
           SELECT j.id FROM jobs j LEFT JOIN recipes me ON me.id = j.recipe_id
           WHERE j.status = 'running' AND j.lease_until < $3 AND {STARTABLE}
           LIMIT 1 FOR UPDATE OF j SKIP LOCKED) expired
         UNION ALL
         SELECT w.id FROM turn CROSS JOIN LATERAL (
           SELECT j.id FROM jobs j LEFT JOIN recipes me ON me.id = j.recipe_id
           WHERE j.tenant_id = turn.tenant_id AND j.status = 'queued' AND j.run_after <= $3 AND {STARTABLE}
           ORDER BY j.run_after, j.created_at LIMIT 1 FOR UPDATE OF j SKIP LOCKED) w
         LIMIT 1",
        running = running_now()
    );
    claim_picked(&pick)
}

fn sqlite_claim() -> String {
    let pick = format!(
        "WITH {running}
         SELECT j.id FROM jobs j
         LEFT JOIN recipes me ON me.id = j.recipe_id
         LEFT JOIN load ON load.tenant_id = j.tenant_id
         WHERE ((j.status = 'queued' AND j.run_after <= $3) OR (j.status = 'running' AND j.lease_until < $3))
           AND {STARTABLE}
         ORDER BY COALESCE(load.n, 0), j.run_after, j.created_at
         LIMIT 1",
        running = running_now()
    );
    claim_picked(&pick)
}

impl Store {
    /// Claims the next job this worker should run (see the module doc for which), leased
    /// to `owner` for `lease_ms`. None when nothing can start now.
    #[tracing::instrument(skip_all)]
    pub async fn claim_job(&self, owner: &str, lease_ms: i64) -> StoreResult<Option<Job>> {
        static POSTGRES: LazyLock<String> = LazyLock::new(postgres_claim);
        static SQLITE: LazyLock<String> = LazyLock::new(sqlite_claim);
        let now = now_ms();
        let sql = match self.backend {
            Backend::Postgres => POSTGRES.as_str(),
            Backend::Sqlite => SQLITE.as_str(),
        };
        let row = sqlx::query(sql).bind(owner).bind(now + lease_ms).bind(now).fetch_optional(&self.pool).await?;
        Ok(row.as_ref().map(from_row).transpose()?)
    }
}

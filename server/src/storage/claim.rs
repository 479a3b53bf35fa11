//! Claiming a job: the query every worker of every process runs between jobs, so its cost is
//! the queue's throughput.
//!
//! A claim takes due jobs (queued and due, or running with an expired lease) that can start
//! now: the recipe has no other running job and neither of its connections is at its limit of
//! runs at once (see `slots`). A batch claim (one statement for the idle workers of a
//! process) takes at most one job per recipe, and a queued job waits while an earlier job of
//! its recipe is running, even with an expired lease (that one is reclaimed first). Fairness:
//! the workspace with the fewest jobs running goes first, then the one whose oldest due job
//! is oldest; within a workspace, the oldest due job
//! that can start. A workspace that queues thousands of runs takes one worker after another
//! only while nobody else is waiting; another workspace's job is claimed by the next free
//! worker instead of waiting behind the backlog.
//!
//! On PostgreSQL a claim of `n` jobs takes the `n` workspaces whose turn it is and, in each,
//! walks the waiting jobs in index order (`jobs_waiting_by_tenant`), locking the first ones it
//! can start, its share of the `n` (`FOR UPDATE SKIP LOCKED`, so concurrent claims in any
//! number of processes take different jobs); it then deals them out round-robin (each
//! workspace's first job, then each
//! one's second, ...). It reads a few index entries per workspace, however long the backlog,
//! and reads further into a workspace's backlog only past jobs that cannot start (recipe
//! running, connection full) or are being claimed right now. Jobs a batch locked but did not
//! take are free again when its statement ends. SQLite has one writer and one process; it
//! sorts every due job, which it does quickly enough at its scale.
//!
//! A batch's check of connection limits reads one snapshot, like concurrent claims do, so a
//! batch can take more jobs for a connection than it has free slots; the claimer's re-check
//! after the claim (`Store::over_limit`, in `jobs::claimer`) gives the extra ones back.
//!
//! The claimer's claim also settles the jobs its workers just ended
//! ([`Store::settle_and_claim`]): on PostgreSQL in the same statement, so a round of the
//! claimer is one write and one commit however many workers it serves. Every part of the
//! statement reads the running jobs once (`slots::RUNNING`).

use std::sync::LazyLock;

use super::jobs::{COLUMNS, from_row};
use super::{Backend, Finish, Job, Store, StoreResult, now_ms};

/// What is running now, read once per claim (at most the number of workers, plus
/// parked jobs): `busy` connections, `live` recipes (a running job whose lease holds),
/// `occupied` recipes (any running job, lease expired or not), each workspace's `load`.
/// `$3` is now.
fn running_now() -> String {
    format!(
        "{running}, {busy},
         live AS (SELECT tenant_id, recipe_id FROM running WHERE lease_until >= $3),
         occupied AS (SELECT recipe_id FROM running WHERE recipe_id IS NOT NULL),
         load AS (SELECT tenant_id, COUNT(*) AS n FROM live GROUP BY tenant_id)",
        running = super::slots::RUNNING,
        busy = super::slots::busy_connections_cte()
    )
}

/// Neither connection of the job `j` (with its recipe `me`) is full: hash lookups into the
/// `busy` set of [`running_now`].
const FREE_CONNECTIONS: &str = "COALESCE(me.source_connection_id, '') NOT IN (SELECT connection_id FROM busy)
       AND COALESCE(me.destination_connection_id, '') NOT IN (SELECT connection_id FROM busy)";

/// `j` is a job whose lease ran out and that can start again.
fn expired_startable() -> String {
    format!(
        "j.id IN (SELECT id FROM running WHERE lease_until < $3) AND j.status = 'running' AND j.lease_until < $3
         AND COALESCE(j.recipe_id, '') NOT IN (SELECT recipe_id FROM live WHERE recipe_id IS NOT NULL)
         AND {FREE_CONNECTIONS}"
    )
}

/// `j` is a due queued job that can start.
fn queued_startable() -> String {
    format!(
        "j.status = 'queued' AND j.run_after <= $3
         AND COALESCE(j.recipe_id, '') NOT IN (SELECT recipe_id FROM occupied)
         AND {FREE_CONNECTIONS}"
    )
}

/// The claim's UPDATE of the jobs `pick` chose; `$1` owner, `$2` lease end, `$3` now,
/// `$4` the most jobs to take. The choice is a CTE so that it runs exactly once (a locking
/// subquery under `IN` could be planned as a rescanned inner side).
///
/// With `ended` jobs (PostgreSQL; bound from `$5` on) the same statement settles them first,
/// in a CTE of its own. The claim reads the snapshot from before that: to it those jobs are
/// still running, so their recipes' follow-ups and their connections' slots wait for the
/// next claim. That errs on the safe side; the claimer claims again at once for a worker that
/// got nothing then.
fn claim_picked(ended: usize, pick: &str) -> String {
    let settle = match ended {
        0 => String::new(),
        n => format!("{}, settled AS ({}),", super::jobs::ended_values(n, 5), super::jobs::settle_ended("$3")),
    };
    // A job being settled is not claimed again here, even with its lease run out.
    let not_ended = if ended == 0 { "" } else { "WHERE p.id NOT IN (SELECT id FROM ended)" };
    format!(
        "WITH {settle} picked AS (SELECT p.id AS picked_id FROM ({pick}) p {not_ended})
         UPDATE jobs SET status = 'running', lease_owner = $1, lease_until = $2, attempts = attempts + 1, updated_at = $3
         FROM picked WHERE jobs.id = picked.picked_id
         RETURNING {COLUMNS}"
    )
}

fn postgres_claim(ended: usize) -> String {
    // `turn`: the `$4` workspaces with due work whose turn it is (one index probe each).
    // Then at most one job whose lease expired, and each workspace's `share` of the `$4`
    // jobs (the first startable ones, locked as the walk finds them), dealt out round-robin.
    // Every row locked is a write, so a batch locks hardly more rows than it takes; when a
    // workspace has fewer than its share, the batch comes back smaller.
    let pick = format!(
        "WITH {running},
           turn AS MATERIALIZED (
             SELECT t.id AS tenant_id, ROW_NUMBER() OVER (ORDER BY COALESCE(load.n, 0), oldest.run_after, oldest.created_at) AS place
             FROM tenants t
             CROSS JOIN LATERAL (
               SELECT run_after, created_at FROM jobs
               WHERE tenant_id = t.id AND status = 'queued' AND run_after <= $3
               ORDER BY run_after, created_at LIMIT 1) oldest
             LEFT JOIN load ON load.tenant_id = t.id
             ORDER BY place LIMIT $4),
           share AS (SELECT ($4 + GREATEST(COUNT(*), 1) - 1) / GREATEST(COUNT(*), 1) AS n FROM turn)
         SELECT id FROM (
           SELECT j.id, 0 AS round, 0 AS place FROM jobs j LEFT JOIN recipes me ON me.id = j.recipe_id
           WHERE {expired}
           LIMIT 1 FOR UPDATE OF j SKIP LOCKED) expired
         UNION ALL
         SELECT id FROM (
           SELECT w.id, ROW_NUMBER() OVER (PARTITION BY turn.tenant_id ORDER BY w.run_after, w.created_at) AS round, turn.place
           FROM turn CROSS JOIN LATERAL (
             SELECT j.id, j.run_after, j.created_at FROM jobs j LEFT JOIN recipes me ON me.id = j.recipe_id
             WHERE j.tenant_id = turn.tenant_id AND {queued}
             ORDER BY j.run_after, j.created_at LIMIT (SELECT n FROM share) FOR UPDATE OF j SKIP LOCKED) w
           ORDER BY round, place LIMIT $4) waiting
         LIMIT $4",
        running = running_now(),
        expired = expired_startable(),
        queued = queued_startable(),
    );
    claim_picked(ended, &pick)
}

fn sqlite_claim() -> String {
    // The same order as on PostgreSQL, over every due job: each workspace's first job (least
    // loaded workspace first, then oldest), then each one's second, ...
    let pick = format!(
        "WITH {running}
         SELECT id FROM (
           SELECT j.id, j.run_after, j.created_at, COALESCE(load.n, 0) AS n,
                  ROW_NUMBER() OVER (PARTITION BY j.tenant_id ORDER BY j.run_after, j.created_at) AS round
           FROM jobs j
           LEFT JOIN recipes me ON me.id = j.recipe_id
           LEFT JOIN load ON load.tenant_id = j.tenant_id
           WHERE ({expired}) OR ({queued})) c
         ORDER BY round, n, run_after, created_at
         LIMIT $4",
        running = running_now(),
        expired = expired_startable(),
        queued = queued_startable(),
    );
    claim_picked(0, &pick)
}

impl Store {
    /// Claims the next job this worker should run (see the module doc for which), leased
    /// to `owner` for `lease_ms`. None when nothing can start now.
    pub async fn claim_job(&self, owner: &str, lease_ms: i64) -> StoreResult<Option<Job>> {
        Ok(self.claim_jobs(owner, lease_ms, 1).await?.pop())
    }

    /// Claims up to `max` jobs at once, all leased to `owner`: what the idle workers of a
    /// process do together.
    #[tracing::instrument(skip_all, fields(max))]
    pub async fn claim_jobs(&self, owner: &str, lease_ms: i64, max: usize) -> StoreResult<Vec<Job>> {
        self.claim_statement(&[], owner, lease_ms, max).await
    }

    /// Settles the `ended` jobs ([`Store::finish_jobs`]), then claims up to `max` jobs (none
    /// when `max` is 0): a round of the claimer. On PostgreSQL the settle rides in the claim's
    /// statement, whose claim still sees the ended jobs running (see [`claim_picked`]); when
    /// it comes back short, a second claim takes what they held back. SQLite cannot write in
    /// a CTE: it settles first, then claims.
    #[tracing::instrument(skip_all, fields(ended = ended.len(), max))]
    pub async fn settle_and_claim(
        &self,
        ended: &[Finish],
        owner: &str,
        lease_ms: i64,
        max: usize,
    ) -> StoreResult<Vec<Job>> {
        if max == 0 || self.backend == Backend::Sqlite {
            self.finish_jobs(ended).await?;
            return if max == 0 { Ok(Vec::new()) } else { self.claim_jobs(owner, lease_ms, max).await };
        }
        let mut jobs = self.claim_statement(ended, owner, lease_ms, max).await?;
        if !ended.is_empty() && jobs.len() < max {
            jobs.extend(self.claim_jobs(owner, lease_ms, max - jobs.len()).await?);
        }
        Ok(jobs)
    }

    /// One claim statement, settling `ended` in it (PostgreSQL only; empty on SQLite).
    async fn claim_statement(&self, ended: &[Finish], owner: &str, lease_ms: i64, max: usize) -> StoreResult<Vec<Job>> {
        static POSTGRES: LazyLock<String> = LazyLock::new(|| postgres_claim(0));
        static SQLITE: LazyLock<String> = LazyLock::new(sqlite_claim);
        let with_ended = (!ended.is_empty()).then(|| postgres_claim(ended.len()));
        let sql = match (&with_ended, self.backend) {
            (Some(sql), _) => sql.as_str(),
            (None, Backend::Postgres) => POSTGRES.as_str(),
            (None, Backend::Sqlite) => SQLITE.as_str(),
        };
        let now = now_ms();
        let max = i64::try_from(max).unwrap_or(1);
        let query = sqlx::query(sql).bind(owner).bind(now + lease_ms).bind(now).bind(max);
        let rows = super::jobs::bind_ended(query, ended).fetch_all(&self.claims).await?;
        let mut jobs = rows.iter().map(from_row).collect::<Result<Vec<_>, _>>()?;
        // RETURNING gives no order: fairest (oldest due) first.
        jobs.sort_by_key(|j| (j.run_after, j.created_at));
        Ok(jobs)
    }
}

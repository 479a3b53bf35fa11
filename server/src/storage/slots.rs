//! Runs at once per connection: at most `max_concurrent_runs` jobs (default
//! [`DEFAULT_MAX_CONCURRENT_RUNS`]) run on a connection at the same time, whichever recipes
//! and processes they come from, so one tenant's burst of recipes cannot flood a provider
//! account, and one busy account does not hold up jobs on other accounts.
//!
//! The claim query skips jobs whose connections are full ([`busy_connections_cte`]). That
//! check reads one snapshot, so two processes claiming at the same instant could both take
//! the last slot, and a batch can take more jobs for a connection than it has slots; the
//! claimer therefore checks again after its claim has committed ([`Store::over_limit`]) and
//! gives back the jobs that are over. Of claims made at the same
//! instant, the one checking last sees all the others, so the limit holds exactly.

use std::collections::HashMap;

use super::{Job, Store, StoreResult, get_i64, get_str, now_ms, placeholders};

/// Runs at once on a connection that does not set its own limit.
pub const DEFAULT_MAX_CONCURRENT_RUNS: i64 = 4;

/// A CTE `running`: the running jobs, read once by a statement that looks at them several
/// times (they are few, but a queue under load leaves many dead index entries to step over
/// on each read until vacuum).
pub(super) const RUNNING: &str = "running AS MATERIALIZED (
       SELECT id, tenant_id, recipe_id, lease_owner, lease_until FROM jobs WHERE status = 'running')";

/// Connections with running jobs (from [`RUNNING`]), one row per (job, connection) pair: a
/// recipe that reads and writes the same connection takes one slot, not two. `now` is the
/// placeholder bound to now.
fn running_on(now: &str) -> String {
    format!(
        "SELECT o.id AS job_id, r.source_connection_id AS connection_id
           FROM running o JOIN recipes r ON r.id = o.recipe_id
           WHERE o.lease_owner IS NOT NULL AND o.lease_until >= {now}
         UNION
         SELECT o.id, r.destination_connection_id
           FROM running o JOIN recipes r ON r.id = o.recipe_id
           WHERE o.lease_owner IS NOT NULL AND o.lease_until >= {now}"
    )
}

/// A CTE `busy(connection_id)`: the connections at their limit, for the claim query (which
/// binds now as `$3`). Needs [`RUNNING`] before it.
pub fn busy_connections_cte() -> String {
    format!(
        "busy AS (
           SELECT x.connection_id FROM ({running}) x JOIN connections c ON c.id = x.connection_id
           GROUP BY x.connection_id, c.max_concurrent_runs
           HAVING COUNT(*) >= COALESCE(c.max_concurrent_runs, {DEFAULT_MAX_CONCURRENT_RUNS}))",
        running = running_on("$3")
    )
}

impl Store {
    /// Of jobs claimed together (fairest first), those that have no slot on one of their
    /// recipe's connections, with that connection's label. Slots are counted from what is
    /// running outside the batch and then given to the batch's jobs in order, so a batch
    /// never puts more jobs on a connection than its limit allows. Called after the claim
    /// committed.
    #[tracing::instrument(skip_all, fields(n = jobs.len()))]
    pub async fn over_limit(&self, jobs: &[Job]) -> StoreResult<Vec<(String, String)>> {
        if jobs.is_empty() {
            return Ok(Vec::new());
        }
        // $1 is now, $2.. the batch's job ids.
        let batch = placeholders(jobs.len(), 2);
        let running_on = running_on("$1");
        let sql = format!(
            "WITH {RUNNING}, held AS MATERIALIZED ({running_on})
             SELECT o.id AS job_id, c.id AS connection_id, c.label, COALESCE(c.max_concurrent_runs, {DEFAULT_MAX_CONCURRENT_RUNS}) AS cap,
                    (SELECT COUNT(*) FROM held x WHERE x.connection_id = c.id AND x.job_id NOT IN ({batch})) AS taken
             FROM jobs o JOIN recipes me ON me.id = o.recipe_id
             JOIN connections c ON c.id = me.source_connection_id OR c.id = me.destination_connection_id
             WHERE o.id IN ({batch})"
        );
        let mut query = sqlx::query(&sql).bind(now_ms());
        for job in jobs {
            query = query.bind(&job.id);
        }
        // On the claims pool: the claimer runs this right after each claim.
        let rows = query.fetch_all(&self.claims).await?;
        // Per job, its connections; per connection, the slots left for the batch.
        let mut needs: HashMap<String, Vec<(String, String)>> = HashMap::new();
        let mut free: HashMap<String, i64> = HashMap::new();
        for row in &rows {
            let connection = get_str(row, "connection_id")?;
            free.insert(connection.clone(), get_i64(row, "cap")? - get_i64(row, "taken")?);
            needs.entry(get_str(row, "job_id")?).or_default().push((connection, get_str(row, "label")?));
        }
        let mut over = Vec::new();
        for job in jobs {
            let Some(connections) = needs.get(&job.id) else { continue };
            match connections.iter().find(|(c, _)| free.get(c).copied().unwrap_or(0) <= 0) {
                Some((_, label)) => over.push((job.id.clone(), label.clone())),
                None => connections.iter().for_each(|(c, _)| *free.entry(c.clone()).or_default() -= 1),
            }
        }
        Ok(over)
    }

    /// Puts a claimed job that found no slot back in the queue, uncounted, due at
    /// `run_after` (its place in line barely moves). False, changing nothing, when the
    /// recipe has a queued follow-up meanwhile (a recipe has one queued job at most): then
    /// the job is parked instead ([`Store::park_job`]).
    #[tracing::instrument(skip_all)]
    pub async fn unclaim_job(&self, job_id: &str, owner: &str, run_after: i64) -> StoreResult<bool> {
        let done = sqlx::query(
            "UPDATE jobs SET status = 'queued', lease_owner = NULL, lease_until = NULL, attempts = attempts - 1,
               run_after = $3, updated_at = $4
             WHERE id = $1 AND lease_owner = $2 AND status = 'running'
               AND NOT EXISTS (SELECT 1 FROM jobs q WHERE q.recipe_id = jobs.recipe_id AND q.status = 'queued')",
        )
        .bind(job_id)
        .bind(owner)
        .bind(run_after)
        .bind(now_ms())
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Gives a claimed job back without counting the attempt: it stays `running` with no
    /// owner until `until`, when any worker may claim it again (as an expired lease). Keeping
    /// it `running` keeps the recipe's queued follow-up, if any, waiting behind it.
    #[tracing::instrument(skip_all)]
    pub async fn park_job(&self, job_id: &str, owner: &str, until: i64) -> StoreResult<()> {
        sqlx::query(
            "UPDATE jobs SET lease_owner = NULL, lease_until = $3, attempts = attempts - 1, updated_at = $4
             WHERE id = $1 AND lease_owner = $2 AND status = 'running'",
        )
        .bind(job_id)
        .bind(owner)
        .bind(until)
        .bind(now_ms())
        .execute(&self.pool)
        .await?;
        Ok(())
    }
}

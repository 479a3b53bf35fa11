//! Runs at once per connection: at most `max_concurrent_runs` jobs (default
//! [`DEFAULT_MAX_CONCURRENT_RUNS`]) run on a connection at the same time, whichever recipes
//! and processes they come from, so one tenant's burst of recipes cannot flood a provider
//! account, and one busy account does not hold up jobs on other accounts.
//!
//! The claim query skips jobs whose connections are full ([`BUSY_CONNECTIONS`]). That check
//! reads one snapshot, so two processes claiming at the same instant could both take the
//! last slot; the worker therefore checks again after its claim has committed
//! ([`Store::busy_connection`]) and parks the job if it is over. Of jobs that claimed
//! together, the one checking last sees all the others, so the limit holds exactly.

use super::{Job, Store, StoreResult, get_i64, get_str, now_ms};

/// Runs at once on a connection that does not set its own limit.
pub const DEFAULT_MAX_CONCURRENT_RUNS: i64 = 4;

/// Connections with running jobs, one row per (job, connection) pair: a recipe that reads
/// and writes the same connection takes one slot, not two. `$3` is now.
const RUNNING_ON: &str = "SELECT o.id AS job_id, r.source_connection_id AS connection_id
       FROM jobs o JOIN recipes r ON r.id = o.recipe_id
       WHERE o.status = 'running' AND o.lease_owner IS NOT NULL AND o.lease_until >= $3
     UNION
     SELECT o.id, r.destination_connection_id
       FROM jobs o JOIN recipes r ON r.id = o.recipe_id
       WHERE o.status = 'running' AND o.lease_owner IS NOT NULL AND o.lease_until >= $3";

/// A CTE `busy(connection_id)`: the connections at their limit, for the claim query (which
/// binds now as `$3`).
pub fn busy_connections_cte() -> String {
    format!(
        "busy AS (
           SELECT x.connection_id FROM ({RUNNING_ON}) x JOIN connections c ON c.id = x.connection_id
           GROUP BY x.connection_id, c.max_concurrent_runs
           HAVING COUNT(*) >= COALESCE(c.max_concurrent_runs, {DEFAULT_MAX_CONCURRENT_RUNS}))"
    )
}

impl Store {
    /// The label of a connection of `job`'s recipe that has no slot for it (its limit is
    /// taken by other running jobs), if any. Called after the claim committed.
    #[tracing::instrument(skip_all)]
    pub async fn busy_connection(&self, job: &Job) -> StoreResult<Option<String>> {
        let Some(recipe_id) = &job.recipe_id else { return Ok(None) };
        let sql = format!(
            "SELECT c.label, COALESCE(c.max_concurrent_runs, {DEFAULT_MAX_CONCURRENT_RUNS}) AS cap,
                    (SELECT COUNT(*) FROM ({RUNNING_ON}) x WHERE x.connection_id = c.id AND x.job_id <> $2) AS taken
             FROM recipes me JOIN connections c ON c.id = me.source_connection_id OR c.id = me.destination_connection_id
             WHERE me.id = $1"
        );
        let rows = sqlx::query(&sql).bind(recipe_id).bind(&job.id).bind(now_ms()).fetch_all(&self.pool).await?;
        for row in &rows {
            if get_i64(row, "taken")? >= get_i64(row, "cap")? {
                return Ok(Some(get_str(row, "label")?));
            }
        }
        Ok(None)
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

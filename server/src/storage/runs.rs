//! Runs of recipes, their counts and step logs. A running run's heartbeat is refreshed as it
//! works; one whose heartbeat stopped (its process died) is marked interrupted, never left
//! "running" forever.

use sqlx::any::AnyRow;

use super::{Store, StoreError, StoreResult, TenantId, TenantStore, get_i64, get_opt_i64, get_str, new_id, now_ms};

/// What a run counted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct RunCounts {
    pub read: i64,
    pub created: i64,
    pub updated: i64,
    pub unchanged: i64,
    pub skipped: i64,
    pub failed: i64,
    pub deleted: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Run {
    pub tenant_id: TenantId,
    pub id: String,
    pub recipe_id: String,
    pub trigger: String,
    /// queued, running, succeeded, succeeded_with_errors, failed, interrupted
    pub status: String,
    pub counts: RunCounts,
    pub cursor_before: Option<String>,
    pub cursor_after: Option<String>,
    pub error_kind: String,
    pub error_message: String,
    pub queued_at: i64,
    pub started_at: Option<i64>,
    pub finished_at: Option<i64>,
    pub heartbeat_at: Option<i64>,
}

impl Run {
    pub fn is_active(&self) -> bool {
        matches!(self.status.as_str(), "queued" | "running")
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunLog {
    pub at: i64,
    pub level: String,
    pub message: String,
}

/// A run that did not finish gets interrupted after this long without a heartbeat, unless
/// configured otherwise (`HITCH_RUN_HEARTBEAT_TIMEOUT_SECS`).
pub const HEARTBEAT_TIMEOUT_MS: i64 = 60_000;

const COLUMNS: &str = "tenant_id, id, recipe_id, trigger, status, read_count, created_count, updated_count, \
     unchanged_count, skipped_count, failed_count, deleted_count, cursor_before, cursor_after, error_kind, error_message, \
     queued_at, started_at, finished_at, heartbeat_at";

fn from_row(row: &AnyRow) -> Result<Run, sqlx::Error> {
    Ok(Run {
        tenant_id: TenantId(get_str(row, "tenant_id")?),
        id: get_str(row, "id")?,
        recipe_id: get_str(row, "recipe_id")?,
        trigger: get_str(row, "trigger")?,
        status: get_str(row, "status")?,
        counts: RunCounts {
            read: get_i64(row, "read_count")?,
            created: get_i64(row, "created_count")?,
            updated: get_i64(row, "updated_count")?,
            unchanged: get_i64(row, "unchanged_count")?,
            skipped: get_i64(row, "skipped_count")?,
            failed: get_i64(row, "failed_count")?,
            deleted: get_i64(row, "deleted_count")?,
        },
        cursor_before: sqlx::Row::try_get::<Option<String>, _>(row, "cursor_before")?,
        cursor_after: sqlx::Row::try_get::<Option<String>, _>(row, "cursor_after")?,
        error_kind: get_str(row, "error_kind")?,
        error_message: get_str(row, "error_message")?,
        queued_at: get_i64(row, "queued_at")?,
        started_at: get_opt_i64(row, "started_at")?,
        finished_at: get_opt_i64(row, "finished_at")?,
        heartbeat_at: get_opt_i64(row, "heartbeat_at")?,
    })
}

impl TenantStore<'_> {
    /// Saves progress (counts so far) and refreshes the heartbeat.
    #[tracing::instrument(skip_all)]
    pub async fn run_progress(&self, id: &str, counts: &RunCounts) -> StoreResult<()> {
        sqlx::query(
            "UPDATE runs SET read_count = $3, created_count = $4, updated_count = $5, unchanged_count = $6,
               skipped_count = $7, failed_count = $8, deleted_count = $9, heartbeat_at = $10
             WHERE tenant_id = $1 AND id = $2 AND status = 'running'",
        )
        .bind(&self.tenant_id.0)
        .bind(id)
        .bind(counts.read)
        .bind(counts.created)
        .bind(counts.updated)
        .bind(counts.unchanged)
        .bind(counts.skipped)
        .bind(counts.failed)
        .bind(counts.deleted)
        .bind(now_ms())
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// The run a claimed job executes now. The job's queued run starts; when the job ran
    /// before (a retry, or a worker that died mid-run), a new run records this attempt and an
    /// attempt still marked running is marked interrupted.
    #[tracing::instrument(skip_all)]
    pub async fn run_for_job(&self, job: &super::Job, cursor_before: Option<&str>) -> StoreResult<Run> {
        let now = now_ms();
        let recipe_id = job.recipe_id.clone().unwrap_or_default();
        let mut tx = self.pool().begin().await?;
        sqlx::query(
            "UPDATE runs SET status = 'interrupted', finished_at = $3, error_kind = 'interrupted',
               error_message = 'The worker running it stopped before it finished; the job was taken up again.'
             WHERE tenant_id = $1 AND job_id = $2 AND status = 'running'",
        )
        .bind(&self.tenant_id.0)
        .bind(&job.id)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        let started = sqlx::query(
            "UPDATE runs SET status = 'running', started_at = $3, heartbeat_at = $3, attempt = $4, cursor_before = $5
             WHERE tenant_id = $1 AND job_id = $2 AND status = 'queued'",
        )
        .bind(&self.tenant_id.0)
        .bind(&job.id)
        .bind(now)
        .bind(job.attempts)
        .bind(cursor_before)
        .execute(&mut *tx)
        .await?;
        let id = if started.rows_affected() == 0 {
            let id = new_id();
            sqlx::query(
                "INSERT INTO runs (tenant_id, id, recipe_id, trigger, status, cursor_before, queued_at, started_at, heartbeat_at, job_id, attempt)
                 VALUES ($1, $2, $3, $4, 'running', $5, $6, $6, $6, $7, $8)",
            )
            .bind(&self.tenant_id.0)
            .bind(&id)
            .bind(&recipe_id)
            .bind(&job.trigger)
            .bind(cursor_before)
            .bind(now)
            .bind(&job.id)
            .bind(job.attempts)
            .execute(&mut *tx)
            .await?;
            id
        } else {
            let row = sqlx::query("SELECT id FROM runs WHERE tenant_id = $1 AND job_id = $2 AND status = 'running'")
                .bind(&self.tenant_id.0)
                .bind(&job.id)
                .fetch_one(&mut *tx)
                .await?;
            get_str(&row, "id")?
        };
        tx.commit().await?;
        self.run(&id).await
    }

    /// Refreshes a running run's heartbeat (proof its process is alive).
    #[tracing::instrument(skip_all)]
    pub async fn run_heartbeat(&self, id: &str) -> StoreResult<()> {
        sqlx::query("UPDATE runs SET heartbeat_at = $3 WHERE tenant_id = $1 AND id = $2 AND status = 'running'")
            .bind(&self.tenant_id.0)
            .bind(id)
            .bind(now_ms())
            .execute(self.pool())
            .await?;
        Ok(())
    }

    /// Ends a run with its final status, counts and (on success) the cursor it reached.
    #[tracing::instrument(skip_all)]
    pub async fn finish_run(
        &self,
        id: &str,
        status: &str,
        counts: &RunCounts,
        cursor_after: Option<&str>,
        error: Option<(&str, &str)>,
    ) -> StoreResult<()> {
        self.run_progress(id, counts).await?;
        sqlx::query(
            "UPDATE runs SET status = $3, cursor_after = $4, error_kind = $5, error_message = $6, finished_at = $7
             WHERE tenant_id = $1 AND id = $2",
        )
        .bind(&self.tenant_id.0)
        .bind(id)
        .bind(status)
        .bind(cursor_after)
        .bind(error.map(|e| e.0).unwrap_or(""))
        .bind(error.map(|e| e.1).unwrap_or(""))
        .bind(now_ms())
        .execute(self.pool())
        .await?;
        Ok(())
    }

    #[tracing::instrument(skip_all)]
    pub async fn run(&self, id: &str) -> StoreResult<Run> {
        let sql = format!("SELECT {COLUMNS} FROM runs WHERE tenant_id = $1 AND id = $2");
        let row = sqlx::query(&sql).bind(&self.tenant_id.0).bind(id).fetch_optional(self.pool()).await?;
        row.as_ref().map(from_row).transpose()?.ok_or(StoreError::NotFound)
    }

    /// Recent runs, newest first; of one recipe when `recipe_id` is given.
    #[tracing::instrument(skip_all)]
    pub async fn runs(&self, recipe_id: Option<&str>, limit: i64) -> StoreResult<Vec<Run>> {
        let rows = match recipe_id {
            Some(recipe) => {
                let sql = format!(
                    "SELECT {COLUMNS} FROM runs WHERE tenant_id = $1 AND recipe_id = $2 ORDER BY queued_at DESC LIMIT $3"
                );
                sqlx::query(&sql).bind(&self.tenant_id.0).bind(recipe).bind(limit).fetch_all(self.pool()).await?
            }
            None => {
                let sql = format!("SELECT {COLUMNS} FROM runs WHERE tenant_id = $1 ORDER BY queued_at DESC LIMIT $2");
                sqlx::query(&sql).bind(&self.tenant_id.0).bind(limit).fetch_all(self.pool()).await?
            }
        };
        Ok(rows.iter().map(from_row).collect::<Result<_, _>>()?)
    }

    /// The latest run a job made (a job retried after a failure makes one per attempt).
    #[tracing::instrument(skip_all)]
    pub async fn last_run_of_job(&self, job: &super::Job) -> StoreResult<Option<Run>> {
        // By recipe as well, so the recipe's index narrows the search.
        let sql = format!(
            "SELECT {COLUMNS} FROM runs WHERE tenant_id = $1 AND recipe_id = $2 AND job_id = $3
             ORDER BY queued_at DESC LIMIT 1"
        );
        let row = sqlx::query(&sql)
            .bind(&self.tenant_id.0)
            .bind(job.recipe_id.as_deref().unwrap_or_default())
            .bind(&job.id)
            .fetch_optional(self.pool())
            .await?;
        Ok(row.as_ref().map(from_row).transpose()?)
    }

    /// Runs that started since `since` (for the overview).
    #[tracing::instrument(skip_all)]
    pub async fn run_count_since(&self, since: i64) -> StoreResult<i64> {
        let row = sqlx::query("SELECT COUNT(*) AS n FROM runs WHERE tenant_id = $1 AND queued_at >= $2")
            .bind(&self.tenant_id.0)
            .bind(since)
            .fetch_one(self.pool())
            .await?;
        Ok(get_i64(&row, "n")?)
    }

    /// Appends a line to a run's log.
    #[tracing::instrument(skip_all)]
    pub async fn run_log(&self, run_id: &str, level: &str, message: &str) -> StoreResult<()> {
        sqlx::query("INSERT INTO run_logs (tenant_id, run_id, at, level, message) VALUES ($1, $2, $3, $4, $5)")
            .bind(&self.tenant_id.0)
            .bind(run_id)
            .bind(now_ms())
            .bind(level)
            .bind(message)
            .execute(self.pool())
            .await?;
        Ok(())
    }

    #[tracing::instrument(skip_all)]
    pub async fn run_logs(&self, run_id: &str, limit: i64) -> StoreResult<Vec<RunLog>> {
        let rows = sqlx::query(
            "SELECT at, level, message FROM run_logs WHERE tenant_id = $1 AND run_id = $2 ORDER BY id LIMIT $3",
        )
        .bind(&self.tenant_id.0)
        .bind(run_id)
        .bind(limit)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| Ok(RunLog { at: get_i64(r, "at")?, level: get_str(r, "level")?, message: get_str(r, "message")? }))
            .collect()
    }
}

/// A run that will not finish by itself (`$1`: heartbeats before this are stale): running
/// with a stale heartbeat, or queued for a job that is gone, done or dead.
const STALE: &str = "((status = 'running' AND (heartbeat_at IS NULL OR heartbeat_at < $1))
     OR (status = 'queued' AND queued_at < $1
         AND NOT EXISTS (SELECT 1 FROM jobs j WHERE j.id = runs.job_id AND j.status IN ('queued', 'running'))))";

impl Store {
    /// Marks runs whose process stopped heartbeating as interrupted, with a log line saying
    /// so; returns how many. Their recipes can simply run again: writes are idempotent.
    /// A queued run is not stale for waiting, however long the queue: only when its job is
    /// no longer there to start it.
    #[tracing::instrument(skip_all)]
    pub async fn interrupt_stale_runs(&self, heartbeat_timeout_ms: i64) -> StoreResult<u64> {
        let now = now_ms();
        let sql = format!("SELECT tenant_id, id FROM runs WHERE {STALE}");
        let stale = sqlx::query(&sql).bind(now - heartbeat_timeout_ms).fetch_all(&self.pool).await?;
        let mut count = 0;
        for row in stale {
            let tenant = TenantId(get_str(&row, "tenant_id")?);
            let id = get_str(&row, "id")?;
            let sql = format!(
                "UPDATE runs SET status = 'interrupted', finished_at = $4, error_kind = 'interrupted',
                   error_message = 'The process running it stopped before it finished. Nothing was lost: run it again.'
                 WHERE tenant_id = $2 AND id = $3 AND {STALE}"
            );
            let done = sqlx::query(&sql)
                .bind(now - heartbeat_timeout_ms)
                .bind(&tenant.0)
                .bind(&id)
                .bind(now)
                .execute(&self.pool)
                .await?;
            if done.rows_affected() == 1 {
                self.tenant(&tenant)
                    .run_log(&id, "error", "Interrupted: its heartbeat stopped (the process running it stopped).")
                    .await?;
                count += 1;
            }
        }
        Ok(count)
    }
}

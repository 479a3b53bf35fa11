//! The durable job queue.
//!
//! A worker claims a due job with a lease (`lease_until`; which job: see `claim`) and renews
//! it while it works. A lease that runs out means its worker died: the next claim takes the job again.
//! PostgreSQL claims with `FOR UPDATE SKIP LOCKED`, so concurrent workers in any number of
//! processes never take the same job; SQLite has one writer, so its claim (one UPDATE) is
//! atomic as it is. A recipe has at most one queued job (a partial unique index: a trigger
//! arriving while one waits joins it) and at most one running (checked when claiming).

use sqlx::AnyConnection;
use sqlx::any::AnyRow;

use super::{
    Backend, Store, StoreError, StoreResult, TenantId, TenantStore, get_i64, get_opt_i64, get_str, new_id, now_ms,
    placeholders,
};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Job {
    pub tenant_id: TenantId,
    pub id: String,
    pub kind: String,
    pub recipe_id: Option<String>,
    pub trigger: String,
    /// queued, running, done, dead
    pub status: String,
    pub attempts: i64,
    pub max_attempts: i64,
    pub run_after: i64,
    pub lease_owner: Option<String>,
    pub lease_until: Option<i64>,
    pub last_error: String,
    /// A schedule's `schedule:{recipe}:{due ms}`, or a caller's own key; unique.
    pub dedupe_key: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

/// How a worker ended a claimed job: `status` done or dead, with its last error (or note).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finish {
    pub job_id: String,
    /// The claim's lease owner: only the holder of the lease settles the job.
    pub owner: String,
    pub status: String,
    pub error: String,
}

/// A CTE `ended(id, owner, status, error)` of `n` [`Finish`]es, bound from placeholder
/// `$first` on by [`bind_ended`].
pub(super) fn ended_values(n: usize, first: usize) -> String {
    let rows = (0..n).map(|i| format!("({})", placeholders(4, first + 4 * i))).collect::<Vec<_>>();
    format!("ended(id, owner, status, error) AS (VALUES {})", rows.join(", "))
}

/// The UPDATE that settles the jobs in `ended` whose lease their owner still holds.
pub(super) fn settle_ended(now: &str) -> String {
    format!(
        "UPDATE jobs SET status = ended.status, last_error = ended.error, lease_owner = NULL, lease_until = NULL,
           updated_at = {now}
         FROM ended WHERE jobs.id = ended.id AND jobs.lease_owner = ended.owner"
    )
}

pub(super) fn bind_ended<'q>(
    mut query: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>,
    ended: &'q [Finish],
) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>> {
    for f in ended {
        query = query.bind(&f.job_id).bind(&f.owner).bind(&f.status).bind(&f.error);
    }
    query
}

pub(super) const COLUMNS: &str = "tenant_id, id, kind, recipe_id, trigger, status, attempts, max_attempts, run_after, lease_owner, \
     lease_until, last_error, dedupe_key, created_at, updated_at";

pub(super) fn from_row(row: &AnyRow) -> Result<Job, sqlx::Error> {
    let opt = |c: &str| sqlx::Row::try_get::<Option<String>, _>(row, c);
    Ok(Job {
        tenant_id: TenantId(get_str(row, "tenant_id")?),
        id: get_str(row, "id")?,
        kind: get_str(row, "kind")?,
        recipe_id: opt("recipe_id")?,
        trigger: get_str(row, "trigger")?,
        status: get_str(row, "status")?,
        attempts: get_i64(row, "attempts")?,
        max_attempts: get_i64(row, "max_attempts")?,
        run_after: get_i64(row, "run_after")?,
        lease_owner: opt("lease_owner")?,
        lease_until: get_opt_i64(row, "lease_until")?,
        last_error: get_str(row, "last_error")?,
        dedupe_key: opt("dedupe_key")?,
        created_at: get_i64(row, "created_at")?,
        updated_at: get_i64(row, "updated_at")?,
    })
}

/// Attempts at queueing a run before giving up (see [`enqueue_run_on`]).
const ENQUEUE_TRIES: usize = 3;

/// A recipe run as enqueued: the job and its (queued) run.
#[derive(Debug, Clone)]
pub struct Enqueued {
    pub job: Job,
    pub run_id: String,
    /// True when the trigger joined a run already waiting (nothing new was queued).
    pub coalesced: bool,
}

/// What to queue: a run of one recipe (see [`Store::enqueue_recipe_run`]).
#[derive(Debug, Clone, Copy)]
pub(super) struct RunRequest<'a> {
    pub tenant_id: &'a TenantId,
    pub recipe_id: &'a str,
    pub trigger: &'a str,
    pub dedupe_key: Option<&'a str>,
    pub max_attempts: i64,
    pub cursor_before: Option<&'a str>,
}

/// Queues a run on `conn`, inside the caller's transaction, with the meaning of
/// [`Store::enqueue_recipe_run`]. On PostgreSQL a new job also sends `pg_notify`, delivered
/// when the caller commits.
pub(super) async fn enqueue_run_on(
    conn: &mut AnyConnection,
    backend: Backend,
    request: RunRequest<'_>,
) -> StoreResult<Enqueued> {
    // The queued job a trigger joins can be claimed between the insert that found it and
    // the read that looks it up; then there is nothing to join and the insert is tried
    // again (it succeeds now, unless yet another trigger queued a job meanwhile). Each
    // statement sees what other transactions committed before it (PostgreSQL's READ
    // COMMITTED; SQLite's writer holds the database), so the retry works inside one
    // transaction.
    for _ in 0..ENQUEUE_TRIES {
        if let Some(enqueued) = try_enqueue_run_on(conn, backend, request).await? {
            return Ok(enqueued);
        }
    }
    Err(StoreError::NotFound)
}

/// One attempt of [`enqueue_run_on`]; `None` when the insert was refused but the job it
/// collided with is no longer there to join.
async fn try_enqueue_run_on(
    conn: &mut AnyConnection,
    backend: Backend,
    request: RunRequest<'_>,
) -> StoreResult<Option<Enqueued>> {
    let RunRequest { tenant_id, recipe_id, trigger, dedupe_key, max_attempts, cursor_before } = request;
    let now = now_ms();
    let (job_id, run_id) = (new_id(), new_id());
    let sql = format!(
        "INSERT INTO jobs (tenant_id, id, kind, recipe_id, trigger, status, max_attempts, run_after, dedupe_key, created_at, updated_at)
         VALUES ($1, $2, 'run', $3, $4, 'queued', $5, $6, $7, $6, $6) ON CONFLICT DO NOTHING RETURNING {COLUMNS}"
    );
    let inserted = sqlx::query(&sql)
        .bind(&tenant_id.0)
        .bind(&job_id)
        .bind(recipe_id)
        .bind(trigger)
        .bind(max_attempts)
        .bind(now)
        .bind(dedupe_key)
        .fetch_optional(&mut *conn)
        .await?;
    if let Some(row) = inserted {
        let job = from_row(&row)?;
        if backend == Backend::Postgres {
            // Delivered at commit: workers of every process wake for the new job.
            sqlx::query("SELECT pg_notify('hitch_jobs', '')").execute(&mut *conn).await?;
        }
        sqlx::query(
            "INSERT INTO runs (tenant_id, id, recipe_id, trigger, status, cursor_before, queued_at, job_id, attempt)
             VALUES ($1, $2, $3, $4, 'queued', $5, $6, $7, 1)",
        )
        .bind(&tenant_id.0)
        .bind(&run_id)
        .bind(recipe_id)
        .bind(trigger)
        .bind(cursor_before)
        .bind(now)
        .bind(&job_id)
        .execute(&mut *conn)
        .await?;
        return Ok(Some(Enqueued { job, run_id, coalesced: false }));
    }
    // Joined: the queued job of this recipe (or the one with this dedupe key).
    let sql = format!(
        "{} WHERE (recipe_id = $1 AND status = 'queued') OR (dedupe_key IS NOT NULL AND dedupe_key = $2)
         ORDER BY CASE WHEN dedupe_key = $2 THEN 0 ELSE 1 END, created_at DESC LIMIT 1",
        job_with_run()
    );
    let row = sqlx::query(&sql).bind(recipe_id).bind(dedupe_key.unwrap_or("")).fetch_optional(&mut *conn).await?;
    Ok(row.as_ref().map(joined_from_row).transpose()?)
}

/// A job with the id of its latest run (`run_id`), for a trigger that joins it. By recipe
/// first: `runs_by_recipe` finds the job's run without scanning every run.
fn job_with_run() -> String {
    format!(
        "SELECT {COLUMNS}, (SELECT r.id FROM runs r WHERE r.recipe_id = jobs.recipe_id AND r.job_id = jobs.id
                            ORDER BY r.queued_at DESC LIMIT 1) AS run_id
         FROM jobs"
    )
}

/// A row of [`job_with_run`] as the run a trigger joined.
fn joined_from_row(row: &AnyRow) -> Result<Enqueued, sqlx::Error> {
    let run_id = sqlx::Row::try_get::<Option<String>, _>(row, "run_id")?.unwrap_or_default();
    Ok(Enqueued { job: from_row(row)?, run_id, coalesced: true })
}

/// The run already waiting for a recipe, joined without trying an insert first (one
/// statement instead of three); `None` when none waits. Meant for triggers that have no
/// dedupe key and come often (webhooks); [`enqueue_run_on`] queues one when this finds
/// none.
pub(super) async fn join_queued_run_on(conn: &mut AnyConnection, recipe_id: &str) -> StoreResult<Option<Enqueued>> {
    let sql = format!("{} WHERE recipe_id = $1 AND status = 'queued'", job_with_run());
    let row = sqlx::query(&sql).bind(recipe_id).fetch_optional(&mut *conn).await?;
    Ok(row.as_ref().map(joined_from_row).transpose()?)
}

/// Takes back a job and its run queued by this transaction that turned out not to be
/// needed.
pub(super) async fn unqueue_on(conn: &mut AnyConnection, enqueued: &Enqueued) -> StoreResult<()> {
    sqlx::query("DELETE FROM runs WHERE id = $1").bind(&enqueued.run_id).execute(&mut *conn).await?;
    sqlx::query("DELETE FROM jobs WHERE id = $1").bind(&enqueued.job.id).execute(&mut *conn).await?;
    Ok(())
}

impl Store {
    /// Queues a run of a recipe, with its run record (status `queued`). A run already waiting
    /// for the recipe absorbs the trigger; a `dedupe_key` already used (a schedule's due time)
    /// does too.
    #[tracing::instrument(skip_all)]
    pub async fn enqueue_recipe_run(
        &self,
        tenant_id: &TenantId,
        recipe_id: &str,
        trigger: &str,
        dedupe_key: Option<&str>,
        max_attempts: i64,
        cursor_before: Option<&str>,
    ) -> StoreResult<Enqueued> {
        let request = RunRequest { tenant_id, recipe_id, trigger, dedupe_key, max_attempts, cursor_before };
        let mut tx = self.pool.begin().await?;
        let enqueued = enqueue_run_on(&mut tx, self.backend, request).await?;
        tx.commit().await?;
        Ok(enqueued)
    }

    #[tracing::instrument(skip_all)]
    pub async fn job(&self, id: &str) -> StoreResult<Job> {
        let sql = format!("SELECT {COLUMNS} FROM jobs WHERE id = $1");
        let row = sqlx::query(&sql).bind(id).fetch_optional(&self.pool).await?;
        row.as_ref().map(from_row).transpose()?.ok_or(StoreError::NotFound)
    }

    /// Extends a lease; false when the lease was lost (it expired and another worker took
    /// the job): the caller must stop.
    #[tracing::instrument(skip_all)]
    pub async fn renew_lease(&self, job_id: &str, owner: &str, lease_ms: i64) -> StoreResult<bool> {
        let done =
            sqlx::query("UPDATE jobs SET lease_until = $3 WHERE id = $1 AND lease_owner = $2 AND status = 'running'")
                .bind(job_id)
                .bind(owner)
                .bind(now_ms() + lease_ms)
                .execute(&self.pool)
                .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Ends a job: `done` (finished, whatever the run's outcome) or `dead` (out of attempts).
    #[tracing::instrument(skip_all)]
    pub async fn finish_job(&self, job_id: &str, owner: &str, status: &str, error: &str) -> StoreResult<()> {
        let finish = Finish { job_id: job_id.into(), owner: owner.into(), status: status.into(), error: error.into() };
        self.finish_jobs(std::slice::from_ref(&finish)).await
    }

    /// Settles jobs in one statement: what the claimer does with the jobs its workers ended
    /// since its last round, before it claims their next ones. A job whose lease `owner` no
    /// longer holds it is left alone.
    #[tracing::instrument(skip_all, fields(n = finishes.len()))]
    pub async fn finish_jobs(&self, finishes: &[Finish]) -> StoreResult<()> {
        if finishes.is_empty() {
            return Ok(());
        }
        // $1 is now; then four per job.
        let sql = format!("WITH {} {}", ended_values(finishes.len(), 2), settle_ended("$1"));
        bind_ended(sqlx::query(&sql).bind(now_ms()), finishes).execute(&self.claims).await?;
        Ok(())
    }

    /// Puts a job back in the queue to run again after `run_after` (a retry, or a job given
    /// back at shutdown). If the recipe got a queued job meanwhile, this one joins it.
    #[tracing::instrument(skip_all)]
    pub async fn requeue_job(&self, job_id: &str, owner: &str, run_after: i64, error: &str) -> StoreResult<bool> {
        let requeued = sqlx::query(
            "UPDATE jobs SET status = 'queued', run_after = $3, last_error = $4, lease_owner = NULL, lease_until = NULL, updated_at = $5
             WHERE id = $1 AND lease_owner = $2
               AND NOT EXISTS (SELECT 1 FROM jobs q WHERE q.recipe_id = jobs.recipe_id AND q.status = 'queued')",
        )
        .bind(job_id)
        .bind(owner)
        .bind(run_after)
        .bind(error)
        .bind(now_ms())
        .execute(&self.pool)
        .await?;
        if requeued.rows_affected() == 0 {
            self.finish_job(job_id, owner, "done", "joined the run already queued for this recipe").await?;
            return Ok(false);
        }
        Ok(true)
    }
}

impl TenantStore<'_> {
    /// This tenant's jobs, last changed first; `status` narrows to queued, running, done or
    /// dead (a dead job ran out of attempts and keeps its last error).
    #[tracing::instrument(skip_all)]
    pub async fn jobs(&self, status: Option<&str>, limit: i64) -> StoreResult<Vec<Job>> {
        let sql = format!(
            "SELECT {COLUMNS} FROM jobs WHERE tenant_id = $1 AND ($2 = '' OR status = $2)
             ORDER BY updated_at DESC, id LIMIT $3"
        );
        let rows = sqlx::query(&sql)
            .bind(&self.tenant_id.0)
            .bind(status.unwrap_or_default())
            .bind(limit)
            .fetch_all(self.pool())
            .await?;
        Ok(rows.iter().map(from_row).collect::<Result<_, _>>()?)
    }
}

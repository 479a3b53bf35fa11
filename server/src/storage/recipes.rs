//! Sync recipes: what moves from where to where, with which mapping.

use sqlx::AnyConnection;
use sqlx::any::AnyRow;

use super::jobs::{RunRequest, enqueue_run_on};
use super::{Backend, Enqueued, StoreError, StoreResult, TenantId, TenantStore, get_i64, get_str, now_ms};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recipe {
    pub tenant_id: TenantId,
    pub id: String,
    pub name: String,
    pub source_connection_id: String,
    pub source_object: String,
    pub destination_connection_id: String,
    pub destination_object: String,
    /// JSON of `sync::mapping::Mapping`.
    pub mapping: String,
    /// "incremental" or "full"
    pub mode: String,
    /// "ignore", "propagate" or "archive"
    pub delete_policy: String,
    pub upsert_key: String,
    pub enabled: bool,
    pub cursor: Option<String>,
    /// JSON of `schedule::Trigger`.
    pub trigger: String,
    /// The last scheduled due time already enqueued (ms).
    pub scheduled_through: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
}

/// The fields a person sets on a recipe.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecipeInput {
    pub name: String,
    pub source_connection_id: String,
    pub source_object: String,
    pub destination_connection_id: String,
    pub destination_object: String,
    pub mapping: String,
    pub mode: String,
    pub delete_policy: String,
    pub upsert_key: String,
    pub enabled: bool,
    /// JSON of `schedule::Trigger`.
    pub trigger: String,
    /// The trigger runs on a schedule (cron or interval).
    pub scheduled: bool,
}

const COLUMNS: &str = "tenant_id, id, name, source_connection_id, source_object, destination_connection_id, \
     destination_object, mapping, mode, delete_policy, upsert_key, enabled, cursor, trigger, scheduled_through, created_at, updated_at";

fn from_row(row: &AnyRow) -> Result<Recipe, sqlx::Error> {
    Ok(Recipe {
        tenant_id: TenantId(get_str(row, "tenant_id")?),
        id: get_str(row, "id")?,
        name: get_str(row, "name")?,
        source_connection_id: get_str(row, "source_connection_id")?,
        source_object: get_str(row, "source_object")?,
        destination_connection_id: get_str(row, "destination_connection_id")?,
        destination_object: get_str(row, "destination_object")?,
        mapping: get_str(row, "mapping")?,
        mode: get_str(row, "mode")?,
        delete_policy: get_str(row, "delete_policy")?,
        upsert_key: get_str(row, "upsert_key")?,
        enabled: get_i64(row, "enabled")? != 0,
        cursor: sqlx::Row::try_get::<Option<String>, _>(row, "cursor")?,
        trigger: get_str(row, "trigger")?,
        scheduled_through: super::get_opt_i64(row, "scheduled_through")?,
        created_at: get_i64(row, "created_at")?,
        updated_at: get_i64(row, "updated_at")?,
    })
}

/// A schedule's due time for `Store::enqueue_due_run`.
#[derive(Debug, Clone, Copy)]
pub struct DueRun<'a> {
    /// The due time (scheduler clock, ms).
    pub due_at: i64,
    /// `schedule:{recipe}:{due_at}`: unique among jobs, so a due time is queued once.
    pub dedupe_key: &'a str,
    /// The lease the tick took the recipe with.
    pub lease: i64,
    /// The schedule's next due time after this one.
    pub next_due: i64,
    pub max_attempts: i64,
}

/// `Store::advance_schedule` on a connection the caller holds.
async fn advance_on(
    conn: &mut AnyConnection,
    recipe_id: &str,
    read_at: i64,
    lease: i64,
    through: Option<i64>,
    next_due: i64,
) -> StoreResult<()> {
    sqlx::query(
        "UPDATE recipes SET next_due_at = $4,
           scheduled_through = CASE WHEN $5 IS NULL OR scheduled_through > $5 THEN scheduled_through ELSE $5 END
         WHERE id = $1 AND updated_at = $2 AND next_due_at = $3",
    )
    .bind(recipe_id)
    .bind(read_at)
    .bind(lease)
    .bind(next_due)
    .bind(through)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

impl super::Store {
    /// Takes up to `limit` due schedules for this process to queue (next due time at or
    /// before `now_ms` on the scheduler clock, or not computed yet after an edit); their next due time
    /// becomes `lease` (later than now), so the ticks of other processes pass them by while
    /// this one works on them, and they are due again at `lease` if it dies before it records
    /// the real next due time ([`Self::advance_schedule`]). On PostgreSQL, concurrent ticks
    /// skip the rows another tick is taking, so a burst of due schedules is shared out
    /// instead of every process working through the same ones in lockstep.
    #[tracing::instrument(skip_all)]
    pub async fn take_due_recipes(&self, now_ms: i64, lease: i64, limit: i64) -> StoreResult<Vec<Recipe>> {
        let lock = if self.backend == Backend::Postgres { "FOR UPDATE SKIP LOCKED" } else { "" };
        let sql = format!(
            "UPDATE recipes SET next_due_at = $2
             WHERE id IN (
               SELECT id FROM recipes WHERE scheduled = 1 AND enabled = 1 AND (next_due_at IS NULL OR next_due_at <= $1)
               ORDER BY next_due_at LIMIT $3 {lock})
             RETURNING {COLUMNS}"
        );
        let rows = sqlx::query(&sql).bind(now_ms).bind(lease).bind(limit).fetch_all(&self.pool).await?;
        Ok(rows.iter().map(from_row).collect::<Result<_, _>>()?)
    }

    /// Queues the run for a schedule's due time (dedupe key `due.dedupe_key`), records which
    /// job covers it, and moves the schedule on to its next due time, in one transaction, for
    /// the tick that took the recipe with `due.lease`. A due time another process already
    /// queued, or that a waiting run absorbs, is recorded as `joined`.
    #[tracing::instrument(skip_all)]
    pub async fn enqueue_due_run(&self, recipe: &Recipe, due: DueRun<'_>) -> StoreResult<Enqueued> {
        let request = RunRequest {
            tenant_id: &recipe.tenant_id,
            recipe_id: &recipe.id,
            trigger: "schedule",
            dedupe_key: Some(due.dedupe_key),
            max_attempts: due.max_attempts,
            cursor_before: recipe.cursor.as_deref(),
        };
        let mut tx = self.pool.begin().await?;
        let enqueued = enqueue_run_on(&mut tx, self.backend, request).await?;
        let joined = enqueued.job.dedupe_key.as_deref() != Some(due.dedupe_key);
        // The first process to record a due time owns it; later records change nothing.
        sqlx::query(
            "INSERT INTO schedule_fires (recipe_id, due_at, tenant_id, job_id, joined, fired_at)
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING",
        )
        .bind(&recipe.id)
        .bind(due.due_at)
        .bind(&recipe.tenant_id.0)
        .bind(&enqueued.job.id)
        .bind(i64::from(joined))
        .bind(now_ms())
        .execute(&mut *tx)
        .await?;
        advance_on(&mut tx, &recipe.id, recipe.updated_at, due.lease, Some(due.due_at), due.next_due).await?;
        tx.commit().await?;
        Ok(enqueued)
    }

    /// The earliest next due time of any schedule, if one is known: the scheduler sleeps
    /// until then.
    #[tracing::instrument(skip_all)]
    pub async fn earliest_due(&self) -> StoreResult<Option<i64>> {
        let row = sqlx::query("SELECT MIN(next_due_at) AS due FROM recipes WHERE scheduled = 1 AND enabled = 1")
            .fetch_one(&self.pool)
            .await?;
        Ok(super::get_opt_i64(&row, "due")?)
    }

    /// Records that the recipe's due times up to `through` (if any) were enqueued and when it
    /// is next due, for the tick that took it with `lease` ([`Store::take_due_recipes`]).
    /// Changes nothing if the lease ran out and another tick took the recipe, or if the recipe
    /// was edited since (`read_at` is the `updated_at` the scheduler saw): an edit resets the
    /// schedule. `scheduled_through` never moves backwards.
    #[tracing::instrument(skip_all)]
    pub async fn advance_schedule(
        &self,
        recipe_id: &str,
        read_at: i64,
        lease: i64,
        through: Option<i64>,
        next_due: i64,
    ) -> StoreResult<()> {
        let mut conn = self.pool.acquire().await?;
        advance_on(&mut conn, recipe_id, read_at, lease, through, next_due).await
    }
}

impl TenantStore<'_> {
    #[tracing::instrument(skip_all)]
    pub async fn create_recipe(&self, id: &str, input: &RecipeInput, created_by: Option<&str>) -> StoreResult<Recipe> {
        let now = now_ms();
        sqlx::query(
            "INSERT INTO recipes (tenant_id, id, name, source_connection_id, source_object, destination_connection_id,
               destination_object, mapping, mode, delete_policy, upsert_key, enabled, created_by, created_at, updated_at,
               trigger, scheduled)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $14, $15, $16)",
        )
        .bind(&self.tenant_id.0)
        .bind(id)
        .bind(&input.name)
        .bind(&input.source_connection_id)
        .bind(&input.source_object)
        .bind(&input.destination_connection_id)
        .bind(&input.destination_object)
        .bind(&input.mapping)
        .bind(&input.mode)
        .bind(&input.delete_policy)
        .bind(&input.upsert_key)
        .bind(i64::from(input.enabled))
        .bind(created_by)
        .bind(now)
        .bind(&input.trigger)
        .bind(i64::from(input.scheduled))
        .execute(self.pool())
        .await?;
        self.recipe(id).await
    }

    /// Replaces a recipe's settings. Changing what it reads or where it writes starts the
    /// next run from scratch: the cursor and the identity map belong to the old pairing.
    #[tracing::instrument(skip_all)]
    pub async fn update_recipe(&self, id: &str, input: &RecipeInput) -> StoreResult<Recipe> {
        let before = self.recipe(id).await?;
        let repointed = before.source_connection_id != input.source_connection_id
            || before.source_object != input.source_object
            || before.destination_connection_id != input.destination_connection_id
            || before.destination_object != input.destination_object;
        let mut tx = self.pool().begin().await?;
        sqlx::query(
            "UPDATE recipes SET name = $3, source_connection_id = $4, source_object = $5, destination_connection_id = $6,
               destination_object = $7, mapping = $8, mode = $9, delete_policy = $10, upsert_key = $11, enabled = $12,
               updated_at = $13, trigger = $14, scheduled = $15,
               scheduled_through = CASE WHEN trigger = $14 THEN scheduled_through ELSE NULL END, next_due_at = NULL
             WHERE tenant_id = $1 AND id = $2",
        )
        .bind(&self.tenant_id.0)
        .bind(id)
        .bind(&input.name)
        .bind(&input.source_connection_id)
        .bind(&input.source_object)
        .bind(&input.destination_connection_id)
        .bind(&input.destination_object)
        .bind(&input.mapping)
        .bind(&input.mode)
        .bind(&input.delete_policy)
        .bind(&input.upsert_key)
        .bind(i64::from(input.enabled))
        .bind(now_ms())
        .bind(&input.trigger)
        .bind(i64::from(input.scheduled))
        .execute(&mut *tx)
        .await?;
        if repointed {
            sqlx::query("UPDATE recipes SET cursor = NULL WHERE tenant_id = $1 AND id = $2")
                .bind(&self.tenant_id.0)
                .bind(id)
                .execute(&mut *tx)
                .await?;
            sqlx::query("DELETE FROM record_links WHERE tenant_id = $1 AND recipe_id = $2")
                .bind(&self.tenant_id.0)
                .bind(id)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        self.recipe(id).await
    }

    #[tracing::instrument(skip_all)]
    pub async fn recipe(&self, id: &str) -> StoreResult<Recipe> {
        let sql = format!("SELECT {COLUMNS} FROM recipes WHERE tenant_id = $1 AND id = $2");
        let row = sqlx::query(&sql).bind(&self.tenant_id.0).bind(id).fetch_optional(self.pool()).await?;
        row.as_ref().map(from_row).transpose()?.ok_or(StoreError::NotFound)
    }

    #[tracing::instrument(skip_all)]
    pub async fn recipes(&self) -> StoreResult<Vec<Recipe>> {
        let sql = format!("SELECT {COLUMNS} FROM recipes WHERE tenant_id = $1 ORDER BY name, created_at");
        let rows = sqlx::query(&sql).bind(&self.tenant_id.0).fetch_all(self.pool()).await?;
        Ok(rows.iter().map(from_row).collect::<Result<_, _>>()?)
    }

    /// Recipes that read from or write to a connection (what deleting it would stop).
    #[tracing::instrument(skip_all)]
    pub async fn recipes_using(&self, connection_id: &str) -> StoreResult<Vec<Recipe>> {
        let sql = format!(
            "SELECT {COLUMNS} FROM recipes WHERE tenant_id = $1 AND (source_connection_id = $2 OR destination_connection_id = $2)
             ORDER BY name"
        );
        let rows = sqlx::query(&sql).bind(&self.tenant_id.0).bind(connection_id).fetch_all(self.pool()).await?;
        Ok(rows.iter().map(from_row).collect::<Result<_, _>>()?)
    }

    #[tracing::instrument(skip_all)]
    pub async fn recipe_count(&self) -> StoreResult<i64> {
        let row = sqlx::query("SELECT COUNT(*) AS n FROM recipes WHERE tenant_id = $1")
            .bind(&self.tenant_id.0)
            .fetch_one(self.pool())
            .await?;
        Ok(get_i64(&row, "n")?)
    }

    /// Deletes a recipe with its runs, identity map and errors (cascade).
    #[tracing::instrument(skip_all)]
    pub async fn delete_recipe(&self, id: &str) -> StoreResult<Recipe> {
        let recipe = self.recipe(id).await?;
        let mut tx = self.pool().begin().await?;
        for table in ["run_logs", "record_errors", "record_links"] {
            let filter = if table == "run_logs" {
                "run_id IN (SELECT id FROM runs WHERE recipe_id = $2)"
            } else {
                "recipe_id = $2"
            };
            sqlx::query(&format!("DELETE FROM {table} WHERE tenant_id = $1 AND {filter}"))
                .bind(&self.tenant_id.0)
                .bind(id)
                .execute(&mut *tx)
                .await?;
        }
        sqlx::query("DELETE FROM runs WHERE tenant_id = $1 AND recipe_id = $2")
            .bind(&self.tenant_id.0)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM recipes WHERE tenant_id = $1 AND id = $2")
            .bind(&self.tenant_id.0)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(recipe)
    }

    /// Moves the incremental cursor; called only after the writes it covers committed.
    #[tracing::instrument(skip_all)]
    pub async fn set_recipe_cursor(&self, id: &str, cursor: Option<&str>) -> StoreResult<()> {
        sqlx::query("UPDATE recipes SET cursor = $3 WHERE tenant_id = $1 AND id = $2")
            .bind(&self.tenant_id.0)
            .bind(id)
            .bind(cursor)
            .execute(self.pool())
            .await?;
        Ok(())
    }
}

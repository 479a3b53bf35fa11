//! The identity map (which destination record each source record became, and the hash of
//! what was last written) and record errors.

use std::collections::HashMap;

use sqlx::any::AnyRow;

use super::{StoreError, StoreResult, TenantStore, get_i64, get_str, new_id, now_ms};

/// A source record's counterpart in the destination.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    pub destination_id: String,
    pub content_hash: String,
}

/// A record that could not be moved, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordError {
    pub id: String,
    pub recipe_id: String,
    pub run_id: String,
    pub source_id: String,
    /// read, mapping, write
    pub stage: String,
    /// permanent, auth, retryable, ...
    pub kind: String,
    pub message: String,
    /// Redacted JSON.
    pub payload: String,
    /// open, retried, resolved, ignored
    pub status: String,
    pub created_at: i64,
}

#[derive(Debug, Clone)]
pub struct NewRecordError {
    pub source_id: String,
    pub stage: &'static str,
    pub kind: String,
    pub message: String,
    pub payload: String,
}

/// Rows per multi-row statement: well under SQLite's bound-parameter limit.
const CHUNK: usize = 500;

/// `($first, …), (…), …`: `rows` tuples of `per_row` bind parameters.
fn placeholders(rows: usize, per_row: usize, first: usize) -> String {
    (0..rows).map(|r| format!("({})", super::placeholders(per_row, first + r * per_row))).collect::<Vec<_>>().join(", ")
}

const ERROR_COLUMNS: &str = "id, recipe_id, run_id, source_id, stage, kind, message, payload, status, created_at";

fn error_from_row(row: &AnyRow) -> Result<RecordError, sqlx::Error> {
    Ok(RecordError {
        id: get_str(row, "id")?,
        recipe_id: get_str(row, "recipe_id")?,
        run_id: get_str(row, "run_id")?,
        source_id: get_str(row, "source_id")?,
        stage: get_str(row, "stage")?,
        kind: get_str(row, "kind")?,
        message: get_str(row, "message")?,
        payload: get_str(row, "payload")?,
        status: get_str(row, "status")?,
        created_at: get_i64(row, "created_at")?,
    })
}

impl TenantStore<'_> {
    /// The links of these source records (one query per few hundred ids).
    ///
    /// The id-list lookups here are not kept as prepared statements: PostgreSQL would switch
    /// a kept one to a generic plan made while the table was small (often empty, at a
    /// recipe's first run), which filters the recipe's every link instead of probing the
    /// index per id, so each page got slower as the run went on. Planning afresh costs
    /// about 0.3 ms per page.
    #[tracing::instrument(skip_all, fields(n = source_ids.len()))]
    pub async fn links(&self, recipe_id: &str, source_ids: &[&str]) -> StoreResult<HashMap<String, Link>> {
        let mut found = HashMap::with_capacity(source_ids.len());
        for chunk in source_ids.chunks(CHUNK) {
            let list: Vec<String> = (0..chunk.len()).map(|i| format!("${}", i + 3)).collect();
            let sql = format!(
                "SELECT source_id, destination_id, content_hash FROM record_links
                 WHERE tenant_id = $1 AND recipe_id = $2 AND source_id IN ({})",
                list.join(", ")
            );
            let mut query = sqlx::query(&sql).persistent(false).bind(&self.tenant_id.0).bind(recipe_id);
            for id in chunk {
                query = query.bind(*id);
            }
            for row in query.fetch_all(self.pool()).await? {
                found.insert(
                    get_str(&row, "source_id")?,
                    Link {
                        destination_id: get_str(&row, "destination_id")?,
                        content_hash: get_str(&row, "content_hash")?,
                    },
                );
            }
        }
        Ok(found)
    }

    /// Records (source id, destination id, hash) after the destination write succeeded.
    #[tracing::instrument(skip_all, fields(n = links.len()))]
    pub async fn save_links(&self, recipe_id: &str, links: &[(String, String, String)]) -> StoreResult<()> {
        let now = now_ms();
        for chunk in links.chunks(CHUNK) {
            // Tenant, recipe and time are bound once ($1..$3) and shared by every row. sqlx-sqlite
            // finds each `$N` by name, walking the statement's parameter list, so binding costs
            // grow with the square of the distinct parameters: with six per row it was a fifth
            // of a first run's CPU.
            let rows: Vec<String> = (0..chunk.len())
                .map(|r| {
                    let k = 4 + r * 3;
                    format!("($1, $2, ${k}, ${}, ${}, $3)", k + 1, k + 2)
                })
                .collect();
            let sql = format!(
                "INSERT INTO record_links (tenant_id, recipe_id, source_id, destination_id, content_hash, updated_at) VALUES {}
                 ON CONFLICT (recipe_id, source_id) DO UPDATE SET destination_id = excluded.destination_id,
                   content_hash = excluded.content_hash, updated_at = excluded.updated_at",
                rows.join(", ")
            );
            let mut query = sqlx::query(&sql).bind(&self.tenant_id.0).bind(recipe_id).bind(now);
            for (source, destination, hash) in chunk {
                query = query.bind(source).bind(destination).bind(hash);
            }
            query.execute(self.pool()).await?;
        }
        Ok(())
    }

    /// Forgets links whose destination records were deleted.
    #[tracing::instrument(skip_all)]
    pub async fn delete_links(&self, recipe_id: &str, source_ids: &[String]) -> StoreResult<()> {
        for chunk in source_ids.chunks(CHUNK) {
            let list: Vec<String> = (0..chunk.len()).map(|i| format!("${}", i + 3)).collect();
            let sql = format!(
                "DELETE FROM record_links WHERE tenant_id = $1 AND recipe_id = $2 AND source_id IN ({})",
                list.join(", ")
            );
            let mut query = sqlx::query(&sql).persistent(false).bind(&self.tenant_id.0).bind(recipe_id);
            for id in chunk {
                query = query.bind(id);
            }
            query.execute(self.pool()).await?;
        }
        Ok(())
    }

    #[tracing::instrument(skip_all)]
    pub async fn link_count(&self, recipe_id: &str) -> StoreResult<i64> {
        let row = sqlx::query("SELECT COUNT(*) AS n FROM record_links WHERE tenant_id = $1 AND recipe_id = $2")
            .bind(&self.tenant_id.0)
            .bind(recipe_id)
            .fetch_one(self.pool())
            .await?;
        Ok(get_i64(&row, "n")?)
    }

    /// Stores record errors of a run; earlier open errors of the same records are marked
    /// `retried` (this run tried them again).
    #[tracing::instrument(skip_all, fields(n = errors.len()))]
    pub async fn add_record_errors(&self, recipe_id: &str, run_id: &str, errors: &[NewRecordError]) -> StoreResult<()> {
        let now = now_ms();
        for chunk in errors.chunks(CHUNK / 2) {
            let sql = format!(
                "INSERT INTO record_errors (id, tenant_id, recipe_id, run_id, source_id, stage, kind, message, payload, status,
                   created_at, updated_at) VALUES {}",
                placeholders(chunk.len(), 12, 1)
            );
            let mut query = sqlx::query(&sql);
            for e in chunk {
                query = query
                    .bind(new_id())
                    .bind(&self.tenant_id.0)
                    .bind(recipe_id)
                    .bind(run_id)
                    .bind(&e.source_id)
                    .bind(e.stage)
                    .bind(&e.kind)
                    .bind(&e.message)
                    .bind(&e.payload)
                    .bind("open")
                    .bind(now)
                    .bind(now);
            }
            query.execute(self.pool()).await?;
        }
        Ok(())
    }

    /// Marks open errors of a recipe's records that a later run moved successfully.
    #[tracing::instrument(skip_all)]
    pub async fn resolve_record_errors(&self, recipe_id: &str, source_ids: &[String]) -> StoreResult<()> {
        for chunk in source_ids.chunks(CHUNK) {
            let list: Vec<String> = (0..chunk.len()).map(|i| format!("${}", i + 4)).collect();
            let sql = format!(
                "UPDATE record_errors SET status = 'resolved', updated_at = $3
                 WHERE tenant_id = $1 AND recipe_id = $2 AND status IN ('open', 'retried') AND source_id IN ({})",
                list.join(", ")
            );
            let mut query = sqlx::query(&sql).persistent(false).bind(&self.tenant_id.0).bind(recipe_id).bind(now_ms());
            for id in chunk {
                query = query.bind(id);
            }
            query.execute(self.pool()).await?;
        }
        Ok(())
    }

    /// Record errors, newest first: of one run, or all open ones.
    #[tracing::instrument(skip_all)]
    pub async fn record_errors(&self, run_id: Option<&str>, limit: i64) -> StoreResult<Vec<RecordError>> {
        let rows = match run_id {
            Some(run) => {
                let sql = format!(
                    "SELECT {ERROR_COLUMNS} FROM record_errors WHERE tenant_id = $1 AND run_id = $2 ORDER BY created_at DESC LIMIT $3"
                );
                sqlx::query(&sql).bind(&self.tenant_id.0).bind(run).bind(limit).fetch_all(self.pool()).await?
            }
            None => {
                let sql = format!(
                    "SELECT {ERROR_COLUMNS} FROM record_errors WHERE tenant_id = $1 AND status = 'open' ORDER BY created_at DESC LIMIT $2"
                );
                sqlx::query(&sql).bind(&self.tenant_id.0).bind(limit).fetch_all(self.pool()).await?
            }
        };
        Ok(rows.iter().map(error_from_row).collect::<Result<_, _>>()?)
    }

    #[tracing::instrument(skip_all)]
    pub async fn record_error(&self, id: &str) -> StoreResult<RecordError> {
        let sql = format!("SELECT {ERROR_COLUMNS} FROM record_errors WHERE tenant_id = $1 AND id = $2");
        let row = sqlx::query(&sql).bind(&self.tenant_id.0).bind(id).fetch_optional(self.pool()).await?;
        row.as_ref().map(error_from_row).transpose()?.ok_or(StoreError::NotFound)
    }

    #[tracing::instrument(skip_all)]
    pub async fn set_record_error_status(&self, id: &str, status: &str) -> StoreResult<()> {
        let done =
            sqlx::query("UPDATE record_errors SET status = $3, updated_at = $4 WHERE tenant_id = $1 AND id = $2")
                .bind(&self.tenant_id.0)
                .bind(id)
                .bind(status)
                .bind(now_ms())
                .execute(self.pool())
                .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }

    #[tracing::instrument(skip_all)]
    pub async fn open_record_error_count(&self) -> StoreResult<i64> {
        let row = sqlx::query("SELECT COUNT(*) AS n FROM record_errors WHERE tenant_id = $1 AND status = 'open'")
            .bind(&self.tenant_id.0)
            .fetch_one(self.pool())
            .await?;
        Ok(get_i64(&row, "n")?)
    }
}

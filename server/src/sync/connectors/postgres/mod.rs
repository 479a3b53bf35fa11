//! PostgreSQL tables as objects: every table of the connection's search path, read by
//! keyset pages and written by set-based upserts.
//!
//! Rows are read as `to_jsonb` of the whole row (so numbers, booleans and JSON columns keep
//! their JSON types without sqlx knowing each type), with the few types JSON would render
//! badly replaced: exact numerics, bytes, timestamps. Writes go the other way through
//! `jsonb_to_recordset`, one bind per group of rows, with PostgreSQL converting each value to
//! its column's type and naming the value it cannot take.

mod errors;
mod read;
mod schema;
mod write;

use std::collections::HashMap;
use std::str::FromStr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use sqlx::PgPool;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};

use self::errors::classify;
use self::schema::Table;
use crate::connections::credentials::Credentials;
use crate::sync::connector::{Connector, ObjectSpec, Page, ReadMode, SyncError, WriteOp, WriteOutcome};

pub use read::PAGE_SIZE;

/// Connections per connector: a run reads or writes one object at a time.
const MAX_CONNECTIONS: u32 = 4;
/// How long to wait for a connection (also bounds connecting to a black-holed host).
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(10);
/// A statement running longer than this is cancelled (and the batch retried later), so a
/// lock held elsewhere cannot stall a run forever.
const STATEMENT_TIMEOUT_MS: &str = "300000";

/// Most operations per `write_batch`.
pub const MAX_BATCH: usize = 1000;

type Tables = Arc<HashMap<String, Table>>;

/// A PostgreSQL database reached by a connection URL.
pub struct PostgresConnector {
    pool: PgPool,
    /// The discovered tables, kept for the connector's life (a run); looked up again when an
    /// object is not found, in case the table was created since.
    tables: Mutex<Option<Tables>>,
}

impl std::fmt::Debug for PostgresConnector {
    // The pool's options hold the password: never print them.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PostgresConnector")
    }
}

impl PostgresConnector {
    /// Connects with a `postgres://user:password@host:port/database` URL. One connection is
    /// opened now, so a wrong password or an unreachable host shows here (as `Auth` or
    /// `Retryable`); the pool keeps at most four.
    pub async fn connect(url: &str) -> Result<Self, SyncError> {
        let (url, _) =
            crate::connections::validate_postgres_url(url).map_err(|e| SyncError::permanent(e.to_string()))?;
        let options = PgConnectOptions::from_str(&url).map_err(|e| classify(&e))?.application_name("hitch");
        let connecting = PgPoolOptions::new()
            .max_connections(MAX_CONNECTIONS)
            .acquire_timeout(ACQUIRE_TIMEOUT)
            // Set after connecting rather than as startup options, which connection poolers
            // (PgBouncer) refuse. The SQL does not depend on the time zone (it converts to
            // UTC explicitly); UTC only makes zone-less text and array output predictable.
            .after_connect(|conn, _meta| {
                Box::pin(async move {
                    let set = format!("SET TimeZone = 'UTC'; SET statement_timeout = {STATEMENT_TIMEOUT_MS}");
                    sqlx::Executor::execute(conn, set.as_str()).await.map(|_| ())
                })
            })
            .connect_with(options);
        let pool = tokio::time::timeout(ACQUIRE_TIMEOUT + Duration::from_secs(2), connecting)
            .await
            .map_err(|_| SyncError::retryable("connecting to the database timed out"))?
            .map_err(|e| classify(&e))?;
        Ok(Self::from_pool(pool))
    }

    /// Connects with a connection's stored fields (the `url` field of the PostgreSQL provider).
    pub async fn from_credentials(creds: &Credentials) -> Result<Self, SyncError> {
        let url =
            creds.field("url").ok_or_else(|| SyncError::Auth { message: "the connection URL is missing".into() })?;
        Self::connect(url).await
    }

    /// Uses an existing pool (tests, or a caller that manages its own).
    pub fn from_pool(pool: PgPool) -> Self {
        PostgresConnector { pool, tables: Mutex::new(None) }
    }

    /// Closes the pool's connections (a dropped connector closes them too, less promptly).
    pub async fn close(&self) {
        self.pool.close().await;
    }

    async fn discover(&self) -> Result<Tables, SyncError> {
        let found = Arc::new(schema::discover(&self.pool).await?);
        *self.tables.lock().unwrap_or_else(|p| p.into_inner()) = Some(found.clone());
        Ok(found)
    }

    /// The table behind an object name: only names the catalog gave ever reach SQL.
    async fn table(&self, object: &str) -> Result<Table, SyncError> {
        let cached = self.tables.lock().unwrap_or_else(|p| p.into_inner()).clone();
        if let Some(t) = cached.as_ref().and_then(|tables| tables.get(object)) {
            return Ok(t.clone());
        }
        let tables = self.discover().await?;
        tables.get(object).cloned().ok_or_else(|| {
            SyncError::permanent(format!(
                "there is no table {object:?} this connection can read (tables in the search path: {})",
                preview(&tables)
            ))
        })
    }
}

fn preview(tables: &HashMap<String, Table>) -> String {
    let mut names: Vec<&str> = tables.keys().map(String::as_str).collect();
    names.sort_unstable();
    let more = names.len().saturating_sub(10);
    let mut text = names.into_iter().take(10).collect::<Vec<_>>().join(", ");
    if more > 0 {
        text.push_str(&format!(" and {more} more"));
    }
    if text.is_empty() { "none".to_owned() } else { text }
}

#[async_trait::async_trait]
impl Connector for PostgresConnector {
    async fn objects(&self) -> Result<Vec<ObjectSpec>, SyncError> {
        let tables = self.discover().await?;
        let mut specs: Vec<ObjectSpec> = tables.values().map(Table::spec).collect();
        specs.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(specs)
    }

    async fn read_page(&self, object: &str, mode: &ReadMode, page: Option<&str>) -> Result<Page, SyncError> {
        let table = self.table(object).await?;
        read::read_page(&self.pool, &table, mode, page).await
    }

    async fn write_batch(&self, object: &str, ops: &[WriteOp]) -> Result<Vec<WriteOutcome>, SyncError> {
        if ops.len() > MAX_BATCH {
            return Err(SyncError::permanent(format!("a batch holds at most {MAX_BATCH} operations")));
        }
        let table = self.table(object).await?;
        write::write_batch(&self.pool, &table, ops).await
    }

    fn max_batch(&self) -> usize {
        MAX_BATCH
    }
}

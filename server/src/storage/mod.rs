//! The one storage interface, over SQLite (embedded default) and PostgreSQL (scale-out).
//!
//! Both backends run the same SQL through sqlx's `Any` driver: the schema keeps to types both
//! share (TEXT, BIGINT; times as UTC milliseconds), and placeholders are `$n`, which SQLite
//! also understands. Where the databases really differ (locking, notifications) a method
//! branches on [`Backend`]. This keeps one implementation instead of two drifting twins, and
//! one conformance suite (tests/e2e/storage.rs) runs against both.
//!
//! Tenant isolation is structural: platform-level records (tenants, users, sessions) are
//! methods on [`Store`]; everything a tenant owns is reachable only through
//! [`Store::tenant`], whose every query is filtered by that tenant's id.

mod accounts;
mod audit;
mod budgets;
mod claim;
mod connections;
mod invitations;
mod jobs;
mod links;
mod members;
mod models;
mod recipes;
mod retention;
mod runs;
mod sessions;
mod slots;
mod throttle;
mod tokens;
mod webhook_ingest;
mod webhooks;

use std::time::Duration;

use sqlx::any::{AnyPoolOptions, AnyRow};
use sqlx::{AnyPool, Row};

pub use budgets::{BudgetUse, RequestRate};
pub use connections::{
    Activation, Connection, ConnectionEvent, ConnectionStatus, OAuthState, SealedCredentials, SealedRow,
};
pub use invitations::Acceptor;
pub use jobs::{Enqueued, Finish, Job};
pub use links::{Link, NewRecordError, RecordError};
pub use models::*;
pub use recipes::{DueRun, Recipe, RecipeInput};
pub use retention::Purged;
pub use runs::{HEARTBEAT_TIMEOUT_MS, Run, RunCounts, RunLog};
pub use sessions::SessionBackend;
pub use slots::DEFAULT_MAX_CONCURRENT_RUNS;
pub use webhook_ingest::{HookDelivery, HookOutcome};
pub use webhooks::{NewWebhookEvent, WebhookEndpoint, WebhookEventSummary};

/// Which database a [`Store`] talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    /// The backend a database URL names, from its scheme.
    pub fn from_url(url: &str) -> Result<Self, StoreError> {
        if url.starts_with("sqlite:") {
            Ok(Backend::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Backend::Postgres)
        } else {
            Err(StoreError::Invalid("The database URL must start with sqlite: or postgres://".into()))
        }
    }
}

/// What can go wrong in storage, in terms callers act on.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("not found")]
    NotFound,
    /// A uniqueness rule was hit (an email already registered, a slug taken).
    #[error("conflict: {0}")]
    Conflict(String),
    /// The change would break an invariant (e.g. removing the last owner).
    #[error("{0}")]
    Invalid(String),
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
}

impl StoreError {
    /// Turns a unique-constraint violation into `Conflict(what)`; other errors pass through.
    fn conflict_as(err: sqlx::Error, what: &str) -> StoreError {
        match &err {
            sqlx::Error::Database(db) if db.is_unique_violation() => StoreError::Conflict(what.into()),
            _ => StoreError::Database(err),
        }
    }
}

pub type StoreResult<T> = Result<T, StoreError>;

/// The handle to the database, cheap to clone.
#[derive(Clone, Debug)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
    /// Where claims run (see `claim`): on PostgreSQL a small pool of its own whose sessions
    /// reuse one generic plan for the claim; otherwise the main pool.
    claims: AnyPool,
}

impl Store {
    /// Opens a pool. SQLite files are created when missing and put in WAL mode.
    pub async fn connect(url: &str, max_connections: u32) -> StoreResult<Store> {
        sqlx::any::install_default_drivers();
        let backend = Backend::from_url(url)?;
        let options = AnyPoolOptions::new().max_connections(max_connections).acquire_timeout(Duration::from_secs(10));
        let options = match backend {
            // Foreign keys are off by default in SQLite and are per connection; WAL lets readers
            // run beside the one writer, and NORMAL sync is durable enough in WAL mode.
            Backend::Sqlite => options.after_connect(|conn, _| {
                Box::pin(async move {
                    sqlx::query("PRAGMA foreign_keys = ON").execute(&mut *conn).await?;
                    sqlx::query("PRAGMA journal_mode = WAL").execute(&mut *conn).await?;
                    sqlx::query("PRAGMA synchronous = NORMAL").execute(&mut *conn).await?;
                    sqlx::query("PRAGMA busy_timeout = 10000").execute(&mut *conn).await?;
                    Ok(())
                })
            }),
            Backend::Postgres => options,
        };
        let pool = options.connect(url).await?;
        let claims = match backend {
            Backend::Sqlite => pool.clone(),
            // PostgreSQL re-plans the claim on every execution (its custom plans look cheaper
            // to it than the generic one), and planning that query costs more than running
            // it: about 1 ms a claim. Its generic plan is as good, so the claim's sessions keep
            // it. Only the claimer uses this pool (one per process, this many claims at once), so
            // it stays small.
            // No ping before each claim either: a claim that finds its connection broken fails,
            // the connection is dropped, and the worker claims again at its next poll.
            Backend::Postgres => AnyPoolOptions::new()
                .max_connections(crate::jobs::claimer::ROUNDS_AT_ONCE)
                .acquire_timeout(Duration::from_secs(10))
                .test_before_acquire(false)
                .after_connect(|conn, _| {
                    Box::pin(async move {
                        sqlx::query("SET plan_cache_mode = force_generic_plan").execute(&mut *conn).await?;
                        Ok(())
                    })
                })
                .connect_lazy(url)?,
        };
        Ok(Store { pool, backend, claims })
    }

    /// Brings the schema up to date. Safe to call from several processes at once: sqlx holds
    /// a database lock (an advisory lock on PostgreSQL) while it migrates.
    pub async fn migrate(&self) -> StoreResult<()> {
        match self.backend {
            Backend::Sqlite => sqlx::migrate!("../migrations/sqlite").run(&self.pool).await?,
            Backend::Postgres => sqlx::migrate!("../migrations/postgres").run(&self.pool).await?,
        }
        Ok(())
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// A round trip to the database, for readiness checks.
    pub async fn ping(&self) -> StoreResult<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    /// Closes the pool, waiting for connections in use to be returned.
    pub async fn close(&self) {
        self.pool.close().await;
        self.claims.close().await;
    }

    /// Pool statistics for /metrics: (open connections, idle connections).
    pub fn pool_stats(&self) -> (u32, usize) {
        (self.pool.size(), self.pool.num_idle())
    }

    /// The records of one tenant. Every query made through the returned scope is filtered by
    /// `tenant_id`, so an id belonging to another tenant reads as "not found".
    pub fn tenant(&self, tenant_id: &TenantId) -> TenantStore<'_> {
        TenantStore { store: self, tenant_id: tenant_id.clone() }
    }
}

/// The storage scope of one tenant: see [`Store::tenant`].
pub struct TenantStore<'a> {
    store: &'a Store,
    tenant_id: TenantId,
}

impl TenantStore<'_> {
    pub fn tenant_id(&self) -> &TenantId {
        &self.tenant_id
    }

    fn pool(&self) -> &AnyPool {
        &self.store.pool
    }
}

/// `NotFound` when a statement that must touch a row (in this tenant) touched none.
fn found(done: sqlx::any::AnyQueryResult) -> StoreResult<()> {
    if done.rows_affected() == 0 { Err(StoreError::NotFound) } else { Ok(()) }
}

/// Milliseconds since the Unix epoch, UTC: the one time representation in the database.
pub fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

/// `$first, $first+1, …` (`n` of them): the bind parameters of a list.
fn placeholders(n: usize, first: usize) -> String {
    (first..first + n).map(|i| format!("${i}")).collect::<Vec<_>>().join(", ")
}

/// A new time-ordered unique id (UUIDv7), so ids sort by creation.
pub fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

fn get_str(row: &AnyRow, col: &str) -> Result<String, sqlx::Error> {
    row.try_get::<String, _>(col)
}

fn get_i64(row: &AnyRow, col: &str) -> Result<i64, sqlx::Error> {
    row.try_get::<i64, _>(col)
}

fn get_opt_i64(row: &AnyRow, col: &str) -> Result<Option<i64>, sqlx::Error> {
    row.try_get::<Option<i64>, _>(col)
}

fn get_role(row: &AnyRow, col: &str) -> Result<crate::domain::Role, sqlx::Error> {
    let raw = get_str(row, col)?;
    crate::domain::Role::parse(&raw).map_err(|e| sqlx::Error::Decode(e.to_string().into()))
}

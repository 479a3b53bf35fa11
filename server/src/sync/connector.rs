//! The interface every connector implements, whatever the system behind it.
//!
//! Reading is a stream of pages, pulled one at a time (`read_page` with the previous page's
//! token), so a run holds one page in memory however many records it moves. Writing is by
//! batches with a result per record. Every failure is classified, because the class decides
//! what happens next: retry later, wait for the rate limit, ask a person to reconnect, or
//! record the one record's error and carry on.

use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// The kinds of value a field holds, for the mapping editor and conversions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldKind {
    String,
    Number,
    Boolean,
    /// RFC 3339 date-time (or a provider's millisecond timestamp, normalised on read).
    DateTime,
    /// YYYY-MM-DD
    Date,
    /// Nested JSON, passed through.
    Json,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldSpec {
    pub name: String,
    pub label: String,
    pub kind: FieldKind,
    /// A destination must receive this field to create a record.
    #[serde(default)]
    pub required: bool,
    /// Set by the system itself (ids, timestamps): never written.
    #[serde(default)]
    pub read_only: bool,
}

/// An object (table, resource) a connector can read and perhaps write.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ObjectSpec {
    pub name: String,
    pub label: String,
    pub fields: Vec<FieldSpec>,
    /// Changes since a cursor can be read (otherwise only full reads).
    pub incremental: bool,
    pub writable: bool,
    /// How deletions show up when reading incrementally, in words (for the UI): "archived
    /// flag", "deleted events", "not visible: a full refresh finds them".
    pub deletes: String,
    /// Fields that identify a record for idempotent upserts (HubSpot `email`, a table's key).
    #[serde(default)]
    pub upsert_keys: Vec<String>,
}

/// One record as read from a source.
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    /// The source system's id, stable across reads.
    pub id: String,
    pub fields: Map<String, Value>,
    /// The record's position for incremental reads (a timestamp or a sequence), as text
    /// that sorts in order; None when the object is not incremental.
    pub cursor: Option<String>,
    /// The source reports this record deleted (tombstone, archived flag, deleted event).
    pub deleted: bool,
}

/// What to read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReadMode {
    /// Everything.
    Full,
    /// Records whose cursor is at or after this value (`>=`: the engine drops the overlap).
    Since(String),
}

/// One page of a read.
#[derive(Debug, Clone, PartialEq)]
pub struct Page {
    pub records: Vec<Record>,
    /// Token for the next page; None on the last page.
    pub next: Option<String>,
}

/// A change to make in a destination.
#[derive(Debug, Clone, PartialEq)]
pub enum WriteOp {
    /// `idempotency_key` is the same for every attempt to create the same source record's
    /// current version: systems that honour one (Stripe's `Idempotency-Key`) then create it
    /// once however often a retried or resumed run sends it. Others ignore it.
    Create {
        fields: Map<String, Value>,
        idempotency_key: String,
    },
    Update {
        id: String,
        fields: Map<String, Value>,
    },
    /// Create or update the record whose `key` field equals the value in `fields`: safe to
    /// repeat, which is what makes a retried or resumed run never duplicate a record.
    Upsert {
        key: String,
        fields: Map<String, Value>,
    },
    Delete {
        id: String,
    },
    /// Mark archived rather than delete (HubSpot archive, a flag column).
    Archive {
        id: String,
    },
}

/// The outcome for one operation of a batch, in the batch's order.
#[derive(Debug, Clone, PartialEq)]
pub enum WriteOutcome {
    /// Done; the destination's id for the record.
    Done {
        id: String,
        created: bool,
    },
    Failed(SyncError),
}

/// Every failure, classified.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SyncError {
    /// Network trouble, a timeout or a 5xx: trying again later may work.
    #[error("{message}")]
    Retryable { message: String },
    /// The provider asked us to slow down (429); wait at least this long.
    #[error("rate limited by the provider; retry after {retry_after:?}")]
    RateLimited { retry_after: Duration },
    /// The credentials no longer work: the connection needs a person.
    #[error("{message}")]
    Auth { message: String },
    /// This record (or request) cannot succeed as it is: the provider's words, and per-field
    /// complaints where it gave them.
    #[error("{message}")]
    Permanent { message: String, fields: Vec<(String, String)> },
    /// The cursor is no longer accepted (expired, out of range): a full refresh is needed.
    #[error("{message}")]
    CursorRejected { message: String },
}

impl SyncError {
    pub fn permanent(message: impl Into<String>) -> Self {
        SyncError::Permanent { message: message.into(), fields: Vec::new() }
    }

    pub fn retryable(message: impl Into<String>) -> Self {
        SyncError::Retryable { message: message.into() }
    }

    /// A short machine-readable kind for runs and record errors.
    pub fn kind(&self) -> &'static str {
        match self {
            SyncError::Retryable { .. } => "retryable",
            SyncError::RateLimited { .. } => "rate_limited",
            SyncError::Auth { .. } => "auth",
            SyncError::Permanent { .. } => "permanent",
            SyncError::CursorRejected { .. } => "cursor_rejected",
        }
    }
}

/// A system Hitch reads from and writes to.
#[async_trait::async_trait]
pub trait Connector: Send + Sync {
    /// The objects this connection offers, with their fields.
    async fn objects(&self) -> Result<Vec<ObjectSpec>, SyncError>;

    /// One page of `object`; `page` is the previous page's `next`, None for the first.
    /// Incremental reads return records in ascending cursor order.
    async fn read_page(&self, object: &str, mode: &ReadMode, page: Option<&str>) -> Result<Page, SyncError>;

    /// Applies a batch (at most [`Connector::max_batch`] operations); one outcome per op.
    /// An `Err` means the whole batch failed (nothing was written, or it is unknown what was).
    async fn write_batch(&self, object: &str, ops: &[WriteOp]) -> Result<Vec<WriteOutcome>, SyncError>;

    /// Most operations one `write_batch` accepts.
    fn max_batch(&self) -> usize;

    /// Which source fields a run reads (from its mapping): a connector may fetch only these.
    async fn select_fields(&self, _object: &str, _fields: &[String]) {}

    /// The position "now" for `object`, taken before a full read so the next incremental
    /// read starts there (changes made during the full read are read again, never missed).
    /// None when the object has no incremental reads.
    async fn high_water_mark(&self, _object: &str) -> Result<Option<String>, SyncError> {
        Ok(None)
    }
}

//! The job queue page: jobs that gave up, and jobs waiting or running.

use super::{Status, Timestamp};

/// The recipe a job belongs to, linked when it still exists.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JobRecipe {
    pub name: String,
    /// None when the recipe is gone.
    pub href: Option<String>,
}

/// A run of the recipe that came after a job gave up (so the failure may be over).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LaterRun {
    pub status: Status,
    /// "succeeded", "failed: <why>", "running", ...
    pub label: String,
    pub href: String,
    pub at: Timestamp,
}

/// A job that ran out of attempts on a temporary failure.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeadJobRow {
    pub recipe: JobRecipe,
    /// manual, api, retry, schedule, webhook
    pub trigger: String,
    pub attempts: i64,
    pub max_attempts: i64,
    /// The last failure, in the provider's words.
    pub last_error: String,
    /// When it gave up.
    pub died: Timestamp,
    /// The run its last attempt made.
    pub last_run_href: Option<String>,
    /// The recipe's latest run, when it is newer than the failure.
    pub later_run: Option<LaterRun>,
    /// "Run again" posts here (csrf only); None when the recipe is gone.
    pub run_action: Option<String>,
}

/// A job still to do: queued (maybe backing off before a retry) or running.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WaitingJobRow {
    pub recipe: JobRecipe,
    pub trigger: String,
    pub status: Status,
    /// "queued", "retrying", "running", or "stalled: …" when a worker stopped renewing its lease.
    pub status_label: String,
    /// Attempts made so far.
    pub attempts: i64,
    pub max_attempts: i64,
    /// When a queued job may start (now or after a backoff); None while running.
    pub next_attempt: Option<Timestamp>,
    /// Why the previous attempt failed, for a job waiting to retry.
    pub last_error: String,
    pub queued: Timestamp,
    pub run_href: Option<String>,
}

/// The queue page. "Run again" is offered when `can_run` (editors and above).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QueueView {
    pub dead: Vec<DeadJobRow>,
    pub waiting: Vec<WaitingJobRow>,
    pub can_run: bool,
}

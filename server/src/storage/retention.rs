//! Housekeeping: what the queue and webhook ingestion leave behind is kept for a while (to
//! dedupe redeliveries and to explain what happened), then removed, so the tables do not grow
//! for ever. Runs, their logs and record errors are the history people read: kept.

use super::{Store, StoreResult};

/// What one purge removed.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Purged {
    pub jobs: u64,
    pub webhook_events: u64,
    pub schedule_fires: u64,
}

impl Store {
    /// Removes finished jobs last touched before `before_ms`, and webhook events and
    /// schedule fires recorded before it. Queued, running and dead jobs stay: the first two are live work, a dead one
    /// is the record of a failure nobody has looked at yet. A finished scheduled job's dedupe
    /// key is no longer needed once the schedule has moved past its due time, which it has
    /// by the time the job is done.
    #[tracing::instrument(skip_all)]
    pub async fn purge_before(&self, before_ms: i64) -> StoreResult<Purged> {
        let jobs = sqlx::query("DELETE FROM jobs WHERE status = 'done' AND updated_at < $1")
            .bind(before_ms)
            .execute(&self.pool)
            .await?
            .rows_affected();
        let webhook_events = sqlx::query("DELETE FROM webhook_events WHERE received_at < $1")
            .bind(before_ms)
            .execute(&self.pool)
            .await?
            .rows_affected();
        let schedule_fires = sqlx::query("DELETE FROM schedule_fires WHERE fired_at < $1")
            .bind(before_ms)
            .execute(&self.pool)
            .await?
            .rows_affected();
        Ok(Purged { jobs, webhook_events, schedule_fires })
    }
}

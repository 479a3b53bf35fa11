//! A connection's request budget as a connector uses it: before each call, take a request
//! from the bucket every process shares (waiting for one if none is free); after a 429, pause
//! the whole connection for the provider's Retry-After. One run cannot exhaust a tenant's
//! quota for the others, and three processes together stay inside the documented rate.

use std::time::Duration;

use crate::state::AppState;
use crate::storage::{Connection, RequestRate};
use crate::sync::connector::SyncError;

/// Longer than this and the call gives up for now, as if the provider had said 429: the
/// engine's retry policy and then the job's backoff take over, instead of a worker sitting on
/// a run for an hour-long pause.
const MAX_WAIT: Duration = Duration::from_secs(60);

pub struct RequestBudget {
    state: AppState,
    connection: Connection,
    rate: RequestRate,
}

impl RequestBudget {
    /// The budget of `connection`, if its provider has a rate limit.
    pub fn for_connection(state: &AppState, connection: &Connection) -> Option<RequestBudget> {
        let rate = state.catalog.get(&connection.provider)?.rate_limit?;
        Some(RequestBudget { state: state.clone(), connection: connection.clone(), rate })
    }

    /// Takes one request, waiting as long as the bucket needs to refill.
    pub async fn take(&self) -> Result<(), SyncError> {
        let scope = self.state.store.tenant(&self.connection.tenant_id);
        let mut waited = Duration::ZERO;
        loop {
            let wait = scope.take_request(&self.connection.id, self.rate).await.map_err(|e| {
                SyncError::retryable(format!("the request budget could not be read from Hitch's database: {e}"))
            })?;
            let Some(wait_ms) = wait else { break };
            let wait = Duration::from_millis(wait_ms.unsigned_abs());
            if waited + wait > MAX_WAIT {
                self.record(waited).await;
                return Err(SyncError::RateLimited { retry_after: wait });
            }
            tokio::time::sleep(wait).await;
            waited += wait;
        }
        self.record(waited).await;
        Ok(())
    }

    /// The provider answered 429: nobody calls it on this connection until `retry_after`
    /// has passed.
    pub async fn pause(&self, retry_after: Duration) {
        let until = crate::storage::now_ms() + i64::try_from(retry_after.as_millis()).unwrap_or(i64::MAX / 2);
        let scope = self.state.store.tenant(&self.connection.tenant_id);
        if let Err(err) = scope.pause_requests(&self.connection.id, until).await {
            tracing::warn!(error = %err, "could not record the provider's pause in the request budget");
        }
    }

    async fn record(&self, waited: Duration) {
        if waited.is_zero() {
            return;
        }
        let scope = self.state.store.tenant(&self.connection.tenant_id);
        let ms = i64::try_from(waited.as_millis()).unwrap_or(i64::MAX);
        if let Err(err) = scope.record_budget_wait(&self.connection.id, ms).await {
            tracing::warn!(error = %err, "could not record a wait for the request budget");
        }
    }
}

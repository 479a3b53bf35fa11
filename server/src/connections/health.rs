//! Periodic health checks: every connection is checked again when its last check is older
//! than [`STALE_AFTER_MS`], so a revoked grant shows up as "needs reconnect" before a run
//! trips over it. Checks run one at a time to stay gentle on providers' rate limits.

use std::time::Duration;

use crate::state::AppState;
use crate::storage::now_ms;

pub const STALE_AFTER_MS: i64 = 15 * 60 * 1000;
const TICK: Duration = Duration::from_secs(60);
const BATCH: i64 = 20;

/// Checks what is due now; returns how many connections were checked.
pub async fn check_due(state: &AppState) -> usize {
    check_last_checked_before(state, now_ms() - STALE_AFTER_MS).await
}

/// Checks connections whose last check is older than `before` (or that were never checked).
pub async fn check_last_checked_before(state: &AppState, before: i64) -> usize {
    let due = match state.store.connections_due_for_check(before, BATCH).await {
        Ok(due) => due,
        Err(err) => {
            tracing::warn!(error = %err, "health checks: listing due connections failed");
            return 0;
        }
    };
    let mut checked = 0;
    for (tenant_id, id) in due {
        let Ok(connection) = state.store.tenant(&tenant_id).connection(&id).await else {
            continue;
        };
        if let Err(err) = super::connect::test(state, &connection).await {
            tracing::info!(connection = %id, provider = %connection.provider, error = %err, "health check failed");
        }
        checked += 1;
    }
    checked
}

/// The background loop `hitch serve` runs.
pub async fn run(state: AppState) {
    let mut tick = tokio::time::interval(TICK);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        // Runs whose process died stop showing "running": they are marked interrupted.
        match state.store.interrupt_stale_runs(state.settings.heartbeat_timeout_ms()).await {
            Ok(0) => {}
            Ok(n) => tracing::warn!(runs = n, "marked runs without a heartbeat as interrupted"),
            Err(err) => tracing::warn!(error = %err, "checking for abandoned runs failed"),
        }
        check_due(&state).await;
    }
}

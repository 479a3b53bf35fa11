//! The scheduler: turns due schedules into queued runs.
//!
//! Every process ticks. For each scheduled recipe the latest due time since the last one
//! enqueued is queued with the dedupe key `schedule:{recipe}:{due ms}`; the key is unique in
//! the jobs table, so however many processes see the same due time, one job is created.
//! Times missed while everything was down are not replayed one by one: the latest is run once
//! (a nightly sync that missed three nights runs once, and reads everything it missed).

use chrono::{DateTime, TimeZone, Utc};

use crate::schedule::Trigger;
use crate::state::AppState;

/// One pass at `now`; returns how many runs were queued by this call.
pub async fn tick(state: &AppState, now: DateTime<Utc>) -> anyhow::Result<usize> {
    let mut queued = 0;
    for recipe in state.store.scheduled_recipes().await? {
        let Ok(trigger) = serde_json::from_str::<Trigger>(&recipe.trigger) else { continue };
        // A new schedule starts counting when it was saved.
        let since_ms = recipe.scheduled_through.unwrap_or(recipe.updated_at);
        let Some(since) = Utc.timestamp_millis_opt(since_ms).single() else { continue };
        let Some(due) = trigger.latest_due(since, now) else { continue };
        let due_ms = due.timestamp_millis();
        let key = format!("schedule:{}:{due_ms}", recipe.id);
        let enqueued = state
            .store
            .enqueue_recipe_run(
                &recipe.tenant_id,
                &recipe.id,
                "schedule",
                Some(&key),
                super::worker::MAX_ATTEMPTS,
                recipe.cursor.as_deref(),
            )
            .await?;
        state.store.advance_schedule(&recipe.id, due_ms).await?;
        if !enqueued.coalesced {
            queued += 1;
        }
    }
    if queued > 0 {
        super::worker::wake().notify_waiters();
    }
    Ok(queued)
}

/// The loop `hitch serve` runs: a tick every `every`.
pub async fn run(state: AppState, every: std::time::Duration) {
    let mut interval = tokio::time::interval(every);
    interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    loop {
        interval.tick().await;
        if let Err(err) = tick(&state, Utc::now()).await {
            tracing::warn!(error = format!("{err:#}"), "scheduler tick failed");
        }
    }
}

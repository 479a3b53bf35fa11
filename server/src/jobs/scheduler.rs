//! The scheduler: turns due schedules into queued runs.
//!
//! Every process ticks. A tick takes a few of the recipes whose stored next due time has come
//! (or is not computed yet, after an edit) at a time, with a short lease, so the processes
//! share a burst of due schedules out between them ([`Store::take_due_recipes`]). For each,
//! the latest due time since the last one enqueued is queued with the dedupe key
//! `schedule:{recipe}:{due ms}`; the key is unique in the jobs table, so even a process whose
//! lease ran out while it worked (and whose recipe another process took) cannot queue a due
//! time twice.
//! Times missed while everything was down are not replayed one by one: the latest is run once
//! (a nightly sync that missed three nights runs once, and reads everything it missed).
//!
//! Between ticks the scheduler sleeps until the earliest next due time, at most
//! [`MAX_SLEEP`], so a due run is queued within milliseconds and an idle scheduler costs one
//! small query a second.

use std::time::Duration;

use chrono::{DateTime, TimeZone, Utc};

use tokio::task::JoinSet;

use super::clock::SchedulerClock;
use crate::schedule::Trigger;
use crate::state::AppState;
#[cfg(doc)]
use crate::storage::Store;
use crate::storage::{Backend, DueRun, Recipe};

/// The longest the scheduler sleeps: how soon it notices a schedule saved by another
/// process.
pub const MAX_SLEEP: Duration = Duration::from_secs(1);

/// A next due time for a schedule that will never fire again (a cron date that never comes).
const NEVER: i64 = i64::MAX;

/// Due schedules a tick takes at a time on PostgreSQL: few, so that on a burst every process
/// gets some. SQLite takes one at a time: it has one writer, so queueing side by side would
/// only make the runs wait on each other's locks.
const TAKE: i64 = 8;

/// How long (real time) a taken schedule is left to the tick that took it. Queueing one takes
/// milliseconds; the lease only matters when a process dies mid-tick, and then its schedules
/// are due again this much later.
const LEASE: Duration = Duration::from_secs(10);

/// One pass at `now` (scheduler clock); returns how many runs were queued by this call.
pub async fn tick(state: &AppState, now: DateTime<Utc>) -> anyhow::Result<usize> {
    let lease_span = state.settings.scheduler_clock.scheduled(LEASE);
    let lease = now.timestamp_millis().saturating_add(i64::try_from(lease_span.as_millis()).unwrap_or(i64::MAX / 4));
    let take = if state.store.backend() == Backend::Postgres { TAKE } else { 1 };
    let mut queued = 0;
    loop {
        let taken = state.store.take_due_recipes(now.timestamp_millis(), lease, take).await?;
        if taken.is_empty() {
            return Ok(queued);
        }
        // Queued side by side: each is a few round trips, mostly waiting on the database.
        let mut tasks = JoinSet::new();
        for recipe in taken {
            let state = state.clone();
            tasks.spawn(async move {
                let result = enqueue_due(&state, &recipe, now, lease).await;
                (recipe.id, result)
            });
        }
        while let Some(done) = tasks.join_next().await {
            match done {
                Ok((_, Ok(true))) => {
                    // Wake a worker for each run at once, not after the whole tick: the first
                    // run of a burst should not wait for the last one to be queued.
                    super::worker::wake().notify_waiters();
                    queued += 1;
                }
                Ok((_, Ok(false))) => {}
                // One recipe's failure (a database hiccup) must not hold up the others; it is
                // due again when its lease runs out.
                Ok((recipe, Err(err))) => {
                    tracing::warn!(%recipe, error = format!("{err:#}"), "could not queue a due run");
                }
                Err(err) => tracing::error!(error = %err, "queueing a due run panicked"),
            }
        }
    }
}

/// Queues the recipe's latest due time, if one has passed, and records its next one.
async fn enqueue_due(state: &AppState, recipe: &Recipe, now: DateTime<Utc>, lease: i64) -> anyhow::Result<bool> {
    let Ok(trigger) = serde_json::from_str::<Trigger>(&recipe.trigger) else {
        // Not a schedule this build understands: park it rather than re-read it every tick.
        state.store.advance_schedule(&recipe.id, recipe.updated_at, lease, None, NEVER).await?;
        return Ok(false);
    };
    let next_due = trigger.next_after(now).map_or(NEVER, |t| t.timestamp_millis());
    // A new schedule starts counting when it was saved (on the scheduler's clock).
    let since_ms = recipe.scheduled_through.unwrap_or_else(|| state.settings.scheduler_clock.at(recipe.updated_at));
    let due = Utc.timestamp_millis_opt(since_ms).single().and_then(|since| trigger.latest_due(since, now));
    let Some(due) = due else {
        state.store.advance_schedule(&recipe.id, recipe.updated_at, lease, None, next_due).await?;
        return Ok(false);
    };
    let due_ms = due.timestamp_millis();
    let key = format!("schedule:{}:{due_ms}", recipe.id);
    // Coalesced either because another process queued this very due time (its key) or
    // because the recipe's run was already waiting, which then covers this due time too.
    let due = DueRun { due_at: due_ms, dedupe_key: &key, lease, next_due, max_attempts: super::worker::MAX_ATTEMPTS };
    let enqueued = state.store.enqueue_due_run(recipe, due).await?;
    Ok(!enqueued.coalesced)
}

/// How long to sleep after a tick at `now`: until the earliest next due time, at most
/// [`MAX_SLEEP`] (converted to real time on a scaled clock). A due time the tick itself
/// should have moved on (at or before `now`) means it failed for that recipe: wait the
/// longest rather than spin on it.
fn sleep_after(clock: &SchedulerClock, now: DateTime<Utc>, earliest_due: Option<i64>) -> Duration {
    match earliest_due.map(|due| due - now.timestamp_millis()) {
        Some(ahead) if ahead > 0 => clock.real(Duration::from_millis(ahead.unsigned_abs())).min(MAX_SLEEP),
        _ => MAX_SLEEP,
    }
}

/// The loop `hitch serve` runs.
pub async fn run(state: AppState) {
    let clock = state.settings.scheduler_clock;
    loop {
        let now = clock.now();
        if let Err(err) = tick(&state, now).await {
            tracing::warn!(error = format!("{err:#}"), "scheduler tick failed");
        }
        let earliest = match state.store.earliest_due().await {
            Ok(due) => due,
            Err(err) => {
                tracing::warn!(error = %err, "scheduler could not read the next due time");
                None
            }
        };
        tokio::time::sleep(sleep_after(&clock, now, earliest)).await;
    }
}

#[cfg(test)]
#[allow(clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn sleeps_until_the_next_due_time_at_most_a_second() {
        let now = Utc.timestamp_millis_opt(1_000_000).single().expect("valid");
        let real = SchedulerClock::REAL;
        assert_eq!(sleep_after(&real, now, Some(1_000_250)), Duration::from_millis(250));
        assert_eq!(sleep_after(&real, now, Some(1_090_000)), MAX_SLEEP);
        assert_eq!(sleep_after(&real, now, Some(999_000)), MAX_SLEEP, "still overdue after a tick: no spinning");
        assert_eq!(sleep_after(&real, now, None), MAX_SLEEP);
        let fast = SchedulerClock::scaled(0, 10).expect("valid");
        assert_eq!(sleep_after(&fast, now, Some(1_005_000)), Duration::from_millis(500));
    }
}

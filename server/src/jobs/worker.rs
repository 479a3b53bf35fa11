//! A worker: a loop over one step, [`Worker::try_execute_next`], which tests call directly.
//!
//! A step claims a job with a lease, renews the lease while the run works (a background
//! task), and settles the job by how the run ended: done; queued again after an exponential
//! backoff with jitter (or the provider's Retry-After) when the failure was transient; dead
//! once its attempts are spent, visible with its last error. A lease it loses (a long pause
//! let another worker take the job) stops it from touching the job again.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Notify;

use super::claimer::Claimer;
use crate::state::AppState;
use crate::storage::{Finish, Job, now_ms};
use crate::sync::engine;

/// Tries per job before it is dead.
pub const MAX_ATTEMPTS: i64 = 5;

/// What one step did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Nothing was due.
    Idle,
    /// A job ran; its final state ("done", "queued" again, "dead").
    Ran { job_id: String, state: String },
}

#[derive(Clone)]
pub struct Worker {
    state: AppState,
    /// Shared by the workers of a process, which claim together.
    claimer: Claimer,
}

/// Wakes idle workers at once when work is queued in this process; other processes' work is
/// found by the slower poll.
pub fn wake() -> Arc<Notify> {
    static WAKE: std::sync::OnceLock<Arc<Notify>> = std::sync::OnceLock::new();
    WAKE.get_or_init(|| Arc::new(Notify::new())).clone()
}

/// How long a claim's lease lasts without renewal.
pub fn lease_ms(state: &AppState) -> i64 {
    state.settings.heartbeat_timeout_ms()
}

/// How long a job that found its connection full waits before it is claimed again.
pub(super) const PARKED_FOR: Duration = Duration::from_secs(1);

/// How long to wait before attempt `attempt + 1`: 5 s doubling, ±20 % jitter, at most 10 min.
fn backoff(attempt: i64) -> Duration {
    jittered(Duration::from_millis(5_000u64.saturating_mul(1 << attempt.clamp(0, 7)))).min(Duration::from_secs(600))
}

/// `base` ±20 %, so workers that failed together do not retry together.
pub(super) fn jittered(base: Duration) -> Duration {
    let base = u64::try_from(base.as_millis()).unwrap_or(u64::MAX / 2);
    let mut bytes = [0u8; 2];
    let _ = getrandom::fill(&mut bytes);
    let jitter = u64::from(u16::from_le_bytes(bytes)) % (base / 5 * 2 + 1);
    Duration::from_millis(base - base / 5 + jitter)
}

impl Worker {
    /// A worker with a claimer of its own.
    pub fn new(state: AppState) -> Worker {
        let claimer = Claimer::start(state.store.clone(), lease_ms(&state), state.metrics.queue.clone());
        Worker { state, claimer }
    }

    /// A worker that claims together with the others sharing `claimer`.
    pub fn with_claimer(state: AppState, claimer: Claimer) -> Worker {
        Worker { state, claimer }
    }

    fn lease_ms(&self) -> i64 {
        lease_ms(&self.state)
    }

    /// Claims and runs one job, if one is due, and settles it.
    pub async fn try_execute_next(&self) -> anyhow::Result<Outcome> {
        let Some(job) = self.claimer.claim().await? else {
            return Ok(Outcome::Idle);
        };
        let (outcome, ended) = self.execute(job).await?;
        if let Some(ended) = ended {
            self.claimer.finish(ended).await?;
        }
        Ok(outcome)
    }

    /// Runs a claimed job. A job that ends (done or dead) comes back as a [`Finish`] for the
    /// claimer to settle; one to try again is queued again here.
    async fn execute(&self, job: Job) -> anyhow::Result<(Outcome, Option<Finish>)> {
        // The claim's lease owner: every later change of the job must name it.
        let owner = job.lease_owner.clone().unwrap_or_default();
        let (state, error) = self.run_job(&job, &owner).await?;
        let ended = error.map(|error| Finish { job_id: job.id.clone(), owner, status: state.clone(), error });
        Ok((Outcome::Ran { job_id: job.id, state }, ended))
    }

    /// Runs the job's recipe; its state afterwards (done, dead or queued again) and, for a
    /// job left to settle, its last error (None: settled here already).
    async fn run_job(&self, job: &Job, owner: &str) -> anyhow::Result<(String, Option<String>)> {
        let store = &self.state.store;
        let scope = store.tenant(&job.tenant_id);
        let recipe_id = job.recipe_id.clone().unwrap_or_default();
        let recipe = match scope.recipe(&recipe_id).await {
            Ok(r) => r,
            Err(crate::storage::StoreError::NotFound) => {
                return Ok(("done".into(), Some("the recipe was deleted".into())));
            }
            Err(e) => return Err(e.into()),
        };
        let run = scope.run_for_job(job, recipe.cursor.as_deref()).await?;
        if job.attempts > 1 {
            let line =
                format!("Attempt {} of {} (the previous one: {}).", job.attempts, job.max_attempts, job.last_error);
            scope.run_log(&run.id, "info", &line).await?;
        }
        // The lease is renewed while the run works; a lost lease is logged (the run itself
        // still finishes and records its outcome, which its idempotent writes make safe).
        let renewal = {
            let (store, id, owner, lease) = (store.clone(), job.id.clone(), owner.to_owned(), self.lease_ms());
            tokio::spawn(async move {
                let every = Duration::from_millis(u64::try_from(lease / 3).unwrap_or(1000).max(100));
                loop {
                    tokio::time::sleep(every).await;
                    match store.renew_lease(&id, &owner, lease).await {
                        Ok(true) => {}
                        Ok(false) => {
                            tracing::warn!(job = %id, "lease lost: another worker took the job");
                            break;
                        }
                        Err(err) => tracing::warn!(job = %id, error = %err, "lease renewal failed"),
                    }
                }
            })
        };
        engine::execute(self.state.clone(), job.tenant_id.clone(), run.id.clone()).await;
        renewal.abort();
        let finished = scope.run(&run.id).await?;
        let transient = matches!(finished.error_kind.as_str(), "retryable" | "rate_limited");
        if finished.status == "failed" && transient {
            if job.attempts >= job.max_attempts {
                let why = format!("gave up after {} attempts: {}", job.attempts, finished.error_message);
                scope.run_log(&run.id, "error", &format!("No more attempts: the job {why}.")).await?;
                return Ok(("dead".into(), Some(why)));
            }
            // The backoff, or longer if the provider asked for a longer pause (Retry-After,
            // kept in the connection's request budget): retrying sooner would only spend an
            // attempt on a refusal.
            let backoff_until = now_ms() + i64::try_from(backoff(job.attempts).as_millis()).unwrap_or(600_000);
            let paused_until = scope
                .paused_until([recipe.source_connection_id.as_str(), recipe.destination_connection_id.as_str()])
                .await?;
            let at = paused_until.map_or(backoff_until, |p| p.max(backoff_until));
            let wait = Duration::from_millis(u64::try_from(at - now_ms()).unwrap_or(0));
            // Settled here: queued again, or done if it joined a run queued meanwhile.
            store.requeue_job(&job.id, owner, at, &finished.error_message).await?;
            scope.run_log(&run.id, "warn", &format!("Will try again in {} s.", wait.as_secs())).await?;
            return Ok(("queued".into(), None));
        }
        Ok(("done".into(), Some(finished.error_message)))
    }

    /// Runs jobs until `stop` is set; polls every `idle_poll` when woken by nothing.
    ///
    /// A job that ended is settled together with the claim of the next one (one round of
    /// the claimer, see `claimer`), and at the latest before the loop returns.
    pub async fn run(self, mut stop: tokio::sync::watch::Receiver<bool>, idle_poll: Duration) {
        let wake = wake();
        let mut ended: Option<Finish> = None;
        loop {
            if *stop.borrow() {
                if let Some(ended) = ended.take()
                    && let Err(err) = self.claimer.finish(ended).await
                {
                    tracing::error!(
                        error = format!("{err:#}"),
                        "could not settle a job at shutdown; its lease will run out"
                    );
                }
                return;
            }
            let claimed = match &ended {
                Some(finish) => self.claimer.finish_and_claim(finish.clone()).await,
                None => self.claimer.claim().await,
            };
            match claimed {
                Ok(Some(job)) => {
                    ended = None;
                    match self.execute(job).await {
                        Ok((_, finish)) => {
                            ended = finish;
                            continue;
                        }
                        Err(err) => tracing::error!(error = format!("{err:#}"), "worker step failed"),
                    }
                }
                Ok(None) => ended = None,
                // The job it ended is settled with the next try (settling twice is harmless:
                // the first one cleared the lease owner the second one names).
                Err(err) => tracing::error!(error = format!("{err:#}"), "worker step failed"),
            }
            tokio::select! {
                () = wake.notified() => {}
                () = tokio::time::sleep(idle_poll) => {}
                _ = stop.changed() => {}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_with_a_ceiling() {
        let first = backoff(1).as_millis();
        assert!((8_000..=12_000).contains(&first), "{first}");
        assert!(backoff(30) <= Duration::from_secs(600));
    }
}

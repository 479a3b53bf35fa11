//! Claims for the workers of one process, made together.
//!
//! A worker that wants a job asks the claimer, handing over how it ended its previous job
//! (a [`Finish`]) in the same request; the claimer takes every request waiting at that
//! moment and answers them all in one round: one statement settles the ended jobs and claims
//! the next ones ([`Store::settle_and_claim`]), then one checks connection limits. Under load
//! the requests of workers that finished while the previous round was in flight pile up, so
//! a busy process settles and claims several jobs per round trip instead of one each; an
//! idle one works one job at a time as before. Each batch gets its own lease owner, so a job
//! whose lease ran out and that this same process claims again is not mistaken for the old
//! claim.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{Semaphore, mpsc, oneshot};

use std::sync::atomic::Ordering;

use crate::metrics::QueueCounters;
use crate::storage::{Backend, Finish, Job, Store, StoreError, now_ms};

type Reply = oneshot::Sender<Result<Option<Job>, Arc<StoreError>>>;

/// A worker's request: settle the job it ended (if any), then claim its next one (if
/// `claim`).
struct Request {
    ended: Option<Finish>,
    claim: bool,
    reply: Reply,
}

/// How much later a job that found no slot on its connection is due again.
const GAVE_WAY_FOR: Duration = Duration::from_millis(50);

/// Requests answered by one claim statement at most.
const MAX_BATCH: usize = 32;

/// Claim rounds in flight at once on PostgreSQL: while one waits on the database, the next
/// can start (the claims pool has as many connections).
pub const ROUNDS_AT_ONCE: u32 = 2;

#[derive(Clone)]
pub struct Claimer {
    requests: mpsc::UnboundedSender<Request>,
}

impl Claimer {
    /// Starts the claiming task, counting what it does in `counters`; it ends when the last
    /// handle is dropped.
    pub fn start(store: Store, lease_ms: i64, counters: Arc<QueueCounters>) -> Claimer {
        let (requests, mut incoming) = mpsc::unbounded_channel::<Request>();
        // SQLite has one writer: a second round would only wait for its lock.
        let at_once = if store.backend() == Backend::Postgres { ROUNDS_AT_ONCE } else { 1 };
        let at_once = usize::try_from(at_once).unwrap_or(1);
        let rounds = Arc::new(Semaphore::new(at_once));
        tokio::spawn(async move {
            while let Some(first) = incoming.recv().await {
                // While every round is in flight, requests pile up for the next one.
                let Ok(round) = rounds.clone().acquire_owned().await else { return };
                let mut waiting = vec![first];
                while waiting.len() < MAX_BATCH {
                    match incoming.try_recv() {
                        Ok(request) => waiting.push(request),
                        Err(_) => break,
                    }
                }
                let (store, counters) = (store.clone(), counters.clone());
                tokio::spawn(async move {
                    answer(&store, lease_ms, &counters, waiting).await;
                    drop(round);
                });
            }
        });
        Claimer { requests }
    }

    /// A job for the calling worker, leased to `job.lease_owner`; None when nothing can
    /// start now.
    pub async fn claim(&self) -> anyhow::Result<Option<Job>> {
        self.request(None, true).await
    }

    /// Settles the job the worker ended, then claims its next one, in the same round.
    pub async fn finish_and_claim(&self, ended: Finish) -> anyhow::Result<Option<Job>> {
        self.request(Some(ended), true).await
    }

    /// Settles the job the worker ended, with the next round; returns once it is stored.
    pub async fn finish(&self, ended: Finish) -> anyhow::Result<()> {
        self.request(Some(ended), false).await.map(|_| ())
    }

    async fn request(&self, ended: Option<Finish>, claim: bool) -> anyhow::Result<Option<Job>> {
        let (reply, answer) = oneshot::channel();
        let request = Request { ended, claim, reply };
        self.requests.send(request).map_err(|_| anyhow::anyhow!("the claimer has stopped"))?;
        Ok(answer.await.map_err(|_| anyhow::anyhow!("the claimer has stopped"))??)
    }
}

/// One round: settle the ended jobs, then claim for the requests that want a job.
async fn answer(store: &Store, lease_ms: i64, counters: &QueueCounters, waiting: Vec<Request>) {
    // A worker that stopped waiting still ended its job: that is settled all the same.
    let ended: Vec<Finish> = waiting.iter().filter_map(|r| r.ended.clone()).collect();
    let (claiming, settled): (Vec<Request>, Vec<Request>) =
        waiting.into_iter().partition(|r| r.claim && !r.reply.is_closed());
    counters.rounds.fetch_add(1, Ordering::Relaxed);
    let jobs = match claim(store, lease_ms, counters, &ended, claiming.len()).await {
        Ok(jobs) => jobs,
        Err(err) => {
            // The ended jobs may or may not be settled: settling them again is harmless.
            let err = Arc::new(err);
            for request in claiming.into_iter().chain(settled) {
                let _ = request.reply.send(Err(err.clone()));
            }
            return;
        }
    };
    counters.settled.fetch_add(ended.len() as u64, Ordering::Relaxed);
    counters.claimed.fetch_add(jobs.len() as u64, Ordering::Relaxed);
    for request in settled {
        let _ = request.reply.send(Ok(None));
    }
    let mut jobs = jobs.into_iter();
    for request in claiming {
        let Some(job) = jobs.next() else {
            let _ = request.reply.send(Ok(None));
            continue;
        };
        if let Err(Ok(Some(job))) = request.reply.send(Ok(Some(job))) {
            // The worker stopped waiting (shutdown): give the job straight back.
            release(store, &job).await;
        }
    }
}

/// Settles the `ended` jobs, claims up to `n` jobs and keeps those that have a slot on their
/// connections.
///
/// The claim skipped jobs on full connections, but it read one snapshot: claims in other
/// processes at the same instant can take the same last slots, and a batch can hold more
/// jobs for a connection than it has slots. So after the claim committed, the batch is
/// checked once more, and the jobs over a limit go back to the queue uncounted, due a
/// moment later (jittered, so two processes that gave way together do not collide again);
/// the claim's own check then skips them until their connection has a slot. Of claims made
/// at the same instant, whoever checks last gives way.
async fn claim(
    store: &Store,
    lease_ms: i64,
    counters: &QueueCounters,
    ended: &[Finish],
    n: usize,
) -> Result<Vec<Job>, StoreError> {
    let owner = format!("{}:{}", std::process::id(), uuid::Uuid::new_v4().simple());
    let mut jobs = store.settle_and_claim(ended, &owner, lease_ms, n).await?;
    let over = store.over_limit(&jobs).await?;
    for (job_id, connection) in &over {
        let later =
            |wait: Duration| now_ms() + i64::try_from(super::worker::jittered(wait).as_millis()).unwrap_or(1000);
        if !store.unclaim_job(job_id, &owner, later(GAVE_WAY_FOR)).await? {
            // Its recipe has a queued follow-up, which must keep waiting behind it.
            store.park_job(job_id, &owner, later(super::worker::PARKED_FOR)).await?;
        }
        tracing::debug!(job = %job_id, %connection, "connection at its limit of runs at once; job given back");
        counters.given_back.fetch_add(1, Ordering::Relaxed);
    }
    jobs.retain(|job| !over.iter().any(|(id, _)| *id == job.id));
    Ok(jobs)
}

/// Hands a claimed job back at once without counting the attempt.
async fn release(store: &Store, job: &Job) {
    let owner = job.lease_owner.as_deref().unwrap_or_default();
    if let Err(err) = store.park_job(&job.id, owner, now_ms()).await {
        tracing::warn!(job = %job.id, error = %err, "could not hand back a claimed job; its lease will run out");
    }
}

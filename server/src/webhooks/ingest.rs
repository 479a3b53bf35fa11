//! The group-commit writer of webhook deliveries.
//!
//! Handlers hand verified deliveries to [`Ingest::submit`] and wait for the answer. Each
//! writer task takes everything waiting (up to [`MAX_GROUP`] deliveries) and stores it in one
//! transaction ([`Store::ingest_webhook_deliveries`]), then answers every delivery of the
//! group. While one group commits the next one gathers, so a commit and its round trips are
//! paid once per group instead of once per delivery. A delivery is answered only after its
//! group committed.
//!
//! A group the database refuses (a statement failed) is written again one delivery per
//! transaction, so one unstorable delivery does not fail the others; every delivery that
//! still fails gets an error and has stored nothing.
//!
//! Stopping: [`Ingest::stop`], called once the HTTP server has finished its requests, closes
//! the queue, stores whatever is still in it, and waits for the writers.

use std::sync::{Arc, Mutex};

use tokio::sync::{mpsc, oneshot, watch};
use tokio::task::JoinHandle;

use crate::storage::{Backend, HookDelivery, HookOutcome, Store, StoreError};

/// Most deliveries stored in one transaction.
pub const MAX_GROUP: usize = 256;
/// Deliveries that may wait for a writer; submitters wait beyond that.
const QUEUE: usize = 4 * MAX_GROUP;

/// Why a delivery got no outcome; it stored nothing.
#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    #[error("the delivery could not be stored")]
    Failed,
    #[error("webhook ingest has stopped")]
    Stopped,
}

struct Submission {
    delivery: HookDelivery,
    answer: oneshot::Sender<Result<HookOutcome, IngestError>>,
}

/// The handle of the writers; cheap to clone.
#[derive(Clone)]
pub struct Ingest {
    inner: Arc<Inner>,
}

struct Inner {
    queue: mpsc::Sender<Submission>,
    stop: watch::Sender<bool>,
    tasks: Mutex<Vec<JoinHandle<()>>>,
}

/// Writers per process: SQLite has one writer at a time anyway; on PostgreSQL a second one
/// gathers and writes while the first waits for its commit.
pub fn writers_for(backend: Backend) -> usize {
    match backend {
        Backend::Sqlite => 1,
        Backend::Postgres => 2,
    }
}

impl Ingest {
    /// Starts `writers` writer tasks; runs they queue get `max_attempts`.
    pub fn start(store: Store, writers: usize, max_attempts: i64) -> Ingest {
        let (queue, receiver) = mpsc::channel(QUEUE);
        let receiver = Arc::new(tokio::sync::Mutex::new(receiver));
        let (stop, stopped) = watch::channel(false);
        let tasks = (0..writers.max(1))
            .map(|_| tokio::spawn(write(store.clone(), receiver.clone(), stopped.clone(), max_attempts)))
            .collect();
        Ingest { inner: Arc::new(Inner { queue, stop, tasks: Mutex::new(tasks) }) }
    }

    /// Stores a delivery with whatever else is waiting; the answer comes after the commit.
    pub async fn submit(&self, delivery: HookDelivery) -> Result<HookOutcome, IngestError> {
        let (answer, answered) = oneshot::channel();
        self.inner.queue.send(Submission { delivery, answer }).await.map_err(|_| IngestError::Stopped)?;
        answered.await.map_err(|_| IngestError::Stopped)?
    }

    /// Refuses new deliveries, stores those waiting, and waits for the writers.
    pub async fn stop(&self) {
        let _ = self.inner.stop.send(true);
        let tasks = std::mem::take(&mut *self.inner.tasks.lock().unwrap_or_else(|p| p.into_inner()));
        for task in tasks {
            if let Err(e) = task.await {
                tracing::error!(error = %e, "a webhook writer ended abnormally");
            }
        }
    }
}

/// One writer: takes a group, stores it, answers it; until stopped and drained.
async fn write(
    store: Store,
    receiver: Arc<tokio::sync::Mutex<mpsc::Receiver<Submission>>>,
    mut stopped: watch::Receiver<bool>,
    max_attempts: i64,
) {
    let mut group = Vec::with_capacity(MAX_GROUP);
    loop {
        let taken = {
            let mut receiver = receiver.lock().await;
            tokio::select! {
                biased;
                taken = receiver.recv_many(&mut group, MAX_GROUP) => taken,
                () = async { drop(stopped.wait_for(|stop| *stop).await) } => {
                    // Closed, the queue still hands out what is in it, then 0.
                    receiver.close();
                    receiver.recv_many(&mut group, MAX_GROUP).await
                }
            }
        };
        if taken == 0 {
            return;
        }
        let (deliveries, answers): (Vec<_>, Vec<_>) = group.drain(..).map(|s| (s.delivery, s.answer)).unzip();
        let outcomes = store_group(&store, &deliveries, max_attempts).await;
        if outcomes.iter().any(|o| matches!(o, Ok(HookOutcome::Accepted { .. }))) {
            crate::jobs::worker::wake().notify_waiters();
        }
        for (answer, outcome) in answers.into_iter().zip(outcomes) {
            // A handler that went away (its client hung up) no longer waits; its delivery is
            // stored all the same, like one whose answer was lost on the way.
            let _ = answer.send(outcome);
        }
    }
}

/// The outcome of each delivery of a group, in order.
async fn store_group(
    store: &Store,
    deliveries: &[HookDelivery],
    max_attempts: i64,
) -> Vec<Result<HookOutcome, IngestError>> {
    match store.ingest_webhook_deliveries(deliveries, max_attempts).await {
        Ok(outcomes) => outcomes.into_iter().map(Ok).collect(),
        Err(StoreError::Database(sqlx::Error::Database(e))) if deliveries.len() > 1 => {
            tracing::warn!(error = %e, deliveries = deliveries.len(), "a group of webhook deliveries was refused; storing them one by one");
            let mut outcomes = Vec::with_capacity(deliveries.len());
            for delivery in deliveries {
                outcomes.push(store_one(store, delivery, max_attempts).await);
            }
            outcomes
        }
        Err(e) => {
            tracing::error!(error = %e, deliveries = deliveries.len(), "storing webhook deliveries failed");
            deliveries.iter().map(|_| Err(IngestError::Failed)).collect()
        }
    }
}

async fn store_one(store: &Store, delivery: &HookDelivery, max_attempts: i64) -> Result<HookOutcome, IngestError> {
    let outcome = store.ingest_webhook_deliveries(std::slice::from_ref(delivery), max_attempts).await;
    match outcome.map(|mut o| o.pop()) {
        Ok(Some(outcome)) => Ok(outcome),
        Ok(None) => Err(IngestError::Failed),
        Err(e) => {
            tracing::error!(error = %e, endpoint = %delivery.endpoint_id.chars().take(10).collect::<String>(), "storing a webhook delivery failed");
            Err(IngestError::Failed)
        }
    }
}

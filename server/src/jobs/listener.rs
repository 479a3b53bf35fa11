//! Cross-process wake-ups on PostgreSQL: enqueuing a job sends `NOTIFY hitch_jobs`, and every
//! process LISTENs and wakes its idle workers at once. Without it, work queued by another
//! process would wait for the idle poll; with SQLite (one process) the in-process signal is
//! enough. A dropped listener connection is re-opened; meanwhile the poll still finds work.

use std::time::Duration;

use sqlx::postgres::PgListener;

pub const CHANNEL: &str = "hitch_jobs";

/// Listens until the task is aborted, waking this process's workers on every notification.
pub async fn run(database_url: String) {
    loop {
        match PgListener::connect(&database_url).await {
            Ok(mut listener) => {
                if let Err(err) = listener.listen(CHANNEL).await {
                    tracing::warn!(error = %err, "could not LISTEN for new jobs; relying on polling");
                } else {
                    while listener.recv().await.is_ok() {
                        super::worker::wake().notify_waiters();
                    }
                }
            }
            Err(err) => tracing::warn!(error = %err, "job listener could not connect; relying on polling"),
        }
        tokio::time::sleep(Duration::from_secs(5)).await;
    }
}

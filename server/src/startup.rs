//! Building and running the server: a testable entry point that binds first (port 0 works)
//! and runs until a shutdown future completes.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use tokio::net::TcpListener;

use crate::config::Settings;
use crate::metrics::Metrics;
use crate::providers::Catalog;
use crate::secrets::{MasterKeySource, Secrets, load_or_create_master_key};
use crate::state::AppState;
use crate::storage::{Backend, Store, now_ms};

/// Opens (and for SQLite, creates) the database and brings its schema up to date.
pub async fn open_store(settings: &Settings) -> anyhow::Result<Store> {
    if Backend::from_url(settings.database_url.expose())? == Backend::Sqlite {
        std::fs::create_dir_all(&settings.data_dir)
            .with_context(|| format!("create data folder {}", settings.data_dir.display()))?;
    }
    let store = Store::connect(settings.database_url.expose(), settings.db_max_connections)
        .await
        .context("connect to the database (check HITCH_DATABASE_URL)")?;
    store.migrate().await.context("run database migrations")?;
    Ok(store)
}

pub struct Application {
    listener: TcpListener,
    state: AppState,
}

/// Everything a process needs but the HTTP listener: keys, catalog, database (migrated),
/// provider client. Shared by `hitch serve` and `hitch worker`.
pub async fn build_state(settings: Settings) -> anyhow::Result<AppState> {
    let (keyring, source) = load_or_create_master_key(&settings)?;
    let key_id = keyring.current_key_id().to_owned();
    let catalog = Catalog::load(&settings.provider_env.0)?;
    match source {
        MasterKeySource::Environment => {
            tracing::info!(key_id = %key_id, "master key from HITCH_MASTER_KEY")
        }
        MasterKeySource::KeyFile => tracing::info!(
            key_id = %key_id,
            "master key from the data folder's master.key"
        ),
        MasterKeySource::GeneratedKeyFile => tracing::warn!(
            key_id = %key_id,
            path = %settings.data_dir.join("master.key").display(),
            "NO HITCH_MASTER_KEY SET: generated a new master key file. Back it up: without it, stored credentials \
             cannot be decrypted. Set HITCH_MASTER_KEY (the same on every process) for production."
        ),
    }
    let store = open_store(&settings).await?;
    // Runs left "running" by a process that died are marked interrupted, not left forever.
    let interrupted = store.interrupt_stale_runs(settings.heartbeat_timeout_ms()).await?;
    if interrupted > 0 {
        tracing::warn!(runs = interrupted, "runs left unfinished by a stopped process were marked interrupted");
    }
    let settings = Arc::new(settings);
    let writers = settings.webhook_writers.unwrap_or_else(|| crate::webhooks::writers_for(store.backend()));
    let ingest = crate::webhooks::Ingest::start(store.clone(), writers, crate::jobs::worker::MAX_ATTEMPTS);
    Ok(AppState {
        store,
        settings: settings.clone(),
        secrets: Arc::new(Secrets::new(keyring, settings.clone())),
        catalog,
        http: provider_http_client(settings.provider_timeout)?,
        metrics: Arc::new(Metrics::new()),
        hook_endpoints: Arc::new(crate::webhooks::EndpointCache::new(crate::webhooks::ENDPOINT_CACHE_CAPACITY)),
        ingest,
    })
}

/// `hitch worker`: workers only (no HTTP), until `shutdown`; running jobs get the shutdown
/// grace to finish.
pub async fn run_workers(settings: Settings, count: usize, shutdown: impl Future<Output = ()>) -> anyhow::Result<()> {
    let state = build_state(settings).await?;
    let health = tokio::spawn(crate::connections::health::run(state.clone()));
    let workers = Workers::start(&state, count);
    tracing::info!(workers = count, "Hitch worker is running");
    shutdown.await;
    health.abort();
    workers.stop().await;
    state.ingest.stop().await;
    state.store.close().await;
    Ok(())
}

impl Application {
    pub async fn build(mut settings: Settings) -> anyhow::Result<Application> {
        let listener =
            TcpListener::bind(settings.bind).await.with_context(|| format!("listen on {}", settings.bind))?;
        // Bound to port 0 (tests, benchmarks): links must name the port actually chosen.
        if settings.public_url.port() == Some(0) {
            let _ = settings.public_url.set_port(Some(listener.local_addr()?.port()));
        }
        let state = build_state(settings).await?;
        Ok(Application { listener, state })
    }

    pub fn local_addr(&self) -> anyhow::Result<SocketAddr> {
        Ok(self.listener.local_addr()?)
    }

    pub fn port(&self) -> u16 {
        self.listener.local_addr().map(|a| a.port()).unwrap_or(0)
    }

    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Serves (HTTP, health checks, workers) until `shutdown` completes, then finishes
    /// in-flight requests, lets running jobs finish within the shutdown deadline, and closes
    /// the pool.
    pub async fn run_until_stopped(self, shutdown: impl Future<Output = ()> + Send + 'static) -> anyhow::Result<()> {
        let store = self.state.store.clone();
        let ingest = self.state.ingest.clone();
        let housekeeping = tokio::spawn(housekeeping(store.clone()));
        let health = tokio::spawn(crate::connections::health::run(self.state.clone()));
        let workers = Workers::start(&self.state, self.state.settings.workers);
        let scheduler = tokio::spawn(crate::jobs::scheduler::run(self.state.clone()));
        let app = crate::http::router(self.state).into_make_service_with_connect_info::<SocketAddr>();
        let served = axum::serve(self.listener, app).with_graceful_shutdown(shutdown).await;
        // Every request has been answered; deliveries of handlers that went away are still
        // stored before the pool closes.
        ingest.stop().await;
        housekeeping.abort();
        health.abort();
        scheduler.abort();
        workers.stop().await;
        store.close().await;
        served.context("HTTP server")
    }
}

/// Workers each process runs.
pub const WORKERS_PER_PROCESS: usize = 2;
/// How long running jobs get to finish at shutdown before they are left to their leases.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(25);
/// How often idle workers look for work queued by other processes.
const IDLE_POLL: Duration = Duration::from_millis(500);

/// The workers of one process, stoppable together.
pub struct Workers {
    stop: tokio::sync::watch::Sender<bool>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
    listener: Option<tokio::task::JoinHandle<()>>,
}

impl Workers {
    pub fn start(state: &AppState, count: usize) -> Workers {
        let (stop, stopped) = tokio::sync::watch::channel(false);
        // One claimer for the process: workers that are free at the same moment get their
        // jobs from one claim statement.
        let lease_ms = crate::jobs::worker::lease_ms(state);
        let claimer = crate::jobs::claimer::Claimer::start(state.store.clone(), lease_ms, state.metrics.queue.clone());
        let tasks = (0..count)
            .map(|_| {
                let worker = crate::jobs::Worker::with_claimer(state.clone(), claimer.clone());
                tokio::spawn(worker.run(stopped.clone(), IDLE_POLL))
            })
            .collect();
        let listener = (state.store.backend() == crate::storage::Backend::Postgres)
            .then(|| tokio::spawn(crate::jobs::listener::run(state.settings.database_url.expose().to_owned())));
        Workers { stop, tasks, listener }
    }

    /// Stops claiming; waits for running jobs up to [`SHUTDOWN_GRACE`]. A job still running
    /// then is abandoned: its lease runs out and a worker elsewhere (or after a restart)
    /// takes it again, which its idempotent writes make safe.
    pub async fn stop(self) {
        let _ = self.stop.send(true);
        if let Some(listener) = &self.listener {
            listener.abort();
        }
        let all = async {
            for task in self.tasks {
                let _ = task.await;
            }
        };
        if tokio::time::timeout(SHUTDOWN_GRACE, all).await.is_err() {
            tracing::warn!("jobs still running at shutdown were left to their leases; they will run again");
        }
    }
}

/// The HTTP client for provider calls: redirects are not followed (a provider redirecting
/// an API call is an error to report, not to chase), and every call has a deadline.
pub fn provider_http_client(timeout: Duration) -> anyhow::Result<reqwest::Client> {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(Duration::from_secs(5))
        .timeout(timeout)
        .user_agent(concat!("Hitch/", env!("CARGO_PKG_VERSION")))
        .build()
        .context("build the HTTP client")
}

/// How long finished jobs and received webhook events are kept. Providers stop redelivering
/// an event within days (Stripe after three), so a month keeps every redelivery deduplicated.
const QUEUE_RETENTION_MS: i64 = 30 * 24 * 3600 * 1000;

/// Deletes expired sessions, old sign-in failures, abandoned OAuth sign-ins, and finished
/// jobs and webhook events past [`QUEUE_RETENTION_MS`], every ten minutes.
async fn housekeeping(store: Store) {
    let mut tick = tokio::time::interval(Duration::from_secs(600));
    loop {
        tick.tick().await;
        if let Err(err) = store.delete_expired_sessions().await {
            tracing::warn!(error = %err, "housekeeping: deleting expired sessions failed");
        }
        if let Err(err) = store.prune_login_failures(now_ms() - 24 * 3600 * 1000).await {
            tracing::warn!(error = %err, "housekeeping: pruning sign-in failures failed");
        }
        if let Err(err) = store.prune_oauth(now_ms()).await {
            tracing::warn!(error = %err, "housekeeping: pruning abandoned sign-ins failed");
        }
        match store.purge_before(now_ms() - QUEUE_RETENTION_MS).await {
            Ok(purged) if purged != crate::storage::Purged::default() => {
                tracing::info!(
                    jobs = purged.jobs,
                    webhook_events = purged.webhook_events,
                    "housekeeping: purged old queue rows"
                );
            }
            Ok(_) => {}
            Err(err) => tracing::warn!(error = %err, "housekeeping: purging old queue rows failed"),
        }
    }
}

/// Completes on Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutdown signal received: finishing in-flight requests");
}

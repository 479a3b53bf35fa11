//! The sync engine: runs a recipe from its source to its destination.
//!
//! Records stream through one page at a time (the next page is read while the current one is
//! written), so memory stays flat however many a run moves. Each record is mapped, compared
//! with what was last written for it (the identity map's content hash: unchanged records are
//! not rewritten), and written in batches; writes are upserts by key or creates with an
//! idempotency key, so a retried or resumed run never duplicates a record. The recipe's
//! cursor moves only when the run has written everything it read, and reads start at `>=`
//! the cursor with a look-back, so nothing committed late is skipped; the identity map drops
//! the overlap. A record that fails becomes a record
//! error (stage, the provider's words, redacted payload) and the run goes on; the run then
//! ends "succeeded with errors", never plain success.

mod page;
mod retry;

pub use page::SOURCE_ID_FIELD;

use std::sync::Arc;
use std::time::Duration;

use crate::state::AppState;
use crate::storage::{ConnectionStatus, Recipe, RunCounts, StoreError, TenantId};
use crate::sync::connector::{Connector, ReadMode, SyncError};
use crate::sync::connectors;
use crate::sync::mapping::{CompiledMapping, Mapping};

/// How often a running run records its progress, at most.
const PROGRESS_EVERY: Duration = Duration::from_secs(2);

/// Why a run stopped early.
#[derive(Debug)]
pub enum RunFailure {
    Sync(SyncError),
    /// The recipe or a connection is not usable as it is.
    Setup(String),
    Store(StoreError),
}

impl From<StoreError> for RunFailure {
    fn from(err: StoreError) -> Self {
        RunFailure::Store(err)
    }
}

impl RunFailure {
    fn kind_and_message(&self) -> (&'static str, String) {
        match self {
            RunFailure::Sync(err) => (err.kind(), err.to_string()),
            RunFailure::Setup(message) => ("setup", message.clone()),
            RunFailure::Store(err) => ("internal", format!("Hitch's database failed during the run: {err}")),
        }
    }
}

/// One run in progress.
struct Run<'a> {
    state: &'a AppState,
    tenant_id: TenantId,
    run_id: String,
    recipe: Recipe,
    mapping: CompiledMapping,
    source: Arc<dyn Connector>,
    destination: Box<dyn Connector>,
    counts: RunCounts,
    had_open_errors: bool,
    /// Read everything whatever the cursor: a retry of failed records.
    read_all: bool,
}

/// Runs `run_id` (already recorded as running) to the end and records how it ended. Never
/// panics or returns early without finishing the run record.
pub async fn execute(state: AppState, tenant_id: TenantId, run_id: String) {
    // The heartbeat beats on its own, so a long wait (a provider's rate limit) never makes
    // a live run look abandoned.
    let heartbeat = {
        let (store, tenant, id, state) = (state.store.clone(), tenant_id.clone(), run_id.clone(), state.clone());
        tokio::spawn(async move {
            // Five beats per timeout: a live run is never mistaken for a dead one.
            let every = (state.settings.run_heartbeat_timeout / 5).max(Duration::from_millis(200));
            let mut tick = tokio::time::interval(every);
            loop {
                tick.tick().await;
                if let Err(err) = store.tenant(&tenant).run_heartbeat(&id).await {
                    tracing::warn!(run = %id, error = %err, "heartbeat failed");
                }
            }
        })
    };
    finish(&state, &tenant_id, &run_id).await;
    heartbeat.abort();
}

async fn finish(state: &AppState, tenant_id: &TenantId, run_id: &str) {
    let (state, tenant_id, run_id) = (state.clone(), tenant_id.clone(), run_id.to_owned());
    let scope = state.store.tenant(&tenant_id);
    let outcome = prepare(&state, &tenant_id, &run_id).await;
    let result = match outcome {
        Ok(mut run) => {
            let result = run.read_everything().await;
            let counts = run.counts;
            result.map(|cursor| (cursor, counts)).map_err(|e| (e, counts))
        }
        Err(e) => Err((e, RunCounts::default())),
    };
    let finished = match result {
        Ok((cursor, counts)) => {
            let status = if counts.failed > 0 { "succeeded_with_errors" } else { "succeeded" };
            let summary = format!(
                "Finished: {} read, {} created, {} updated, {} unchanged, {} skipped, {} deleted, {} failed.",
                counts.read,
                counts.created,
                counts.updated,
                counts.unchanged,
                counts.skipped,
                counts.deleted,
                counts.failed
            );
            let _ = scope.run_log(&run_id, if counts.failed > 0 { "warn" } else { "info" }, &summary).await;
            scope.finish_run(&run_id, status, &counts, cursor.as_deref(), None).await
        }
        Err((failure, counts)) => {
            let (kind, message) = failure.kind_and_message();
            let _ = scope.run_log(&run_id, "error", &format!("Failed: {message}")).await;
            scope.finish_run(&run_id, "failed", &counts, None, Some((kind, &message))).await
        }
    };
    if let Err(err) = finished {
        tracing::error!(run = %run_id, error = %err, "could not record the end of a run");
    }
}

async fn prepare<'a>(state: &'a AppState, tenant_id: &TenantId, run_id: &str) -> Result<Run<'a>, RunFailure> {
    let scope = state.store.tenant(tenant_id);
    let run = scope.run(run_id).await?;
    let recipe = scope.recipe(&run.recipe_id).await?;
    let mapping: Mapping = serde_json::from_str(&recipe.mapping).map_err(|e| {
        RunFailure::Setup(format!("the recipe's mapping cannot be read ({e}); open and save the recipe"))
    })?;
    let wanted = mapping.referenced_source_fields();
    let mapping = mapping.compile().map_err(|problems| {
        RunFailure::Setup(format!(
            "the mapping has problems: {}",
            problems.iter().map(ToString::to_string).collect::<Vec<_>>().join(" ")
        ))
    })?;
    let mut ends = Vec::new();
    for (what, id) in [("source", &recipe.source_connection_id), ("destination", &recipe.destination_connection_id)] {
        let connection = match scope.connection(id).await {
            Ok(c) => c,
            Err(StoreError::NotFound) => {
                return Err(RunFailure::Setup(format!("the {what} connection was deleted; edit the recipe")));
            }
            Err(e) => return Err(e.into()),
        };
        let usable = match connection.status {
            ConnectionStatus::Active | ConnectionStatus::Error => None,
            ConnectionStatus::NeedsReauth => Some("needs reconnecting"),
            ConnectionStatus::Disabled => Some("is disabled"),
            ConnectionStatus::Pending => Some("has not finished signing in"),
        };
        if let Some(why) = usable {
            return Err(RunFailure::Setup(format!("the {what} connection \"{}\" {why}", connection.label)));
        }
        ends.push(connectors::for_connection(state, &connection).await.map_err(RunFailure::Sync)?);
    }
    let destination = ends.pop().ok_or_else(|| RunFailure::Setup("no destination".into()))?;
    let source = ends.pop().ok_or_else(|| RunFailure::Setup("no source".into()))?;
    source.select_fields(&recipe.source_object, &wanted).await;
    let had_open_errors = scope.open_record_error_count().await? > 0;
    Ok(Run {
        state,
        tenant_id: tenant_id.clone(),
        run_id: run_id.to_owned(),
        recipe,
        mapping,
        source: source.into(),
        destination,
        counts: RunCounts::default(),
        had_open_errors,
        read_all: run.trigger == "retry",
    })
}

impl Run<'_> {
    /// Reads every page and returns the cursor to store for the next run.
    async fn read_everything(&mut self) -> Result<Option<String>, RunFailure> {
        let scope = self.state.store.tenant(&self.tenant_id);
        let incremental = self.recipe.mode == "incremental";
        let object = self.recipe.source_object.clone();
        let (mut mode, mut high_water) = match (&self.recipe.cursor, incremental) {
            (Some(cursor), true) if !self.read_all => (ReadMode::Since(cursor.clone()), None),
            _ => (ReadMode::Full, None),
        };
        if mode == ReadMode::Full && incremental {
            high_water = self
                .with_retry("reading the current position", || self.source.high_water_mark(&object))
                .await
                .map_err(RunFailure::Sync)?;
        }
        let start = match &mode {
            ReadMode::Full if incremental => {
                format!("First run: reading all {object}; later runs read only what changed.")
            }
            ReadMode::Full => format!("Reading all {object} from the source (full refresh)."),
            ReadMode::Since(c) => format!("Reading {object} changed since position {c}."),
        };
        scope.run_log(&self.run_id, "info", &start).await?;

        let mut token: Option<String> = None;
        let mut last_cursor: Option<String> = None;
        let mut fell_back = false;
        let mut pages = 0u64;
        let mut last_progress = tokio::time::Instant::now();
        // The next page, read while the current one was being written.
        let mut read_ahead = None;
        loop {
            let (read, waits) = match read_ahead.take() {
                Some(done) => done,
                None => self.read_page(&object, &mode, token.clone()).await,
            };
            self.log_waits(waits).await;
            let page = match read {
                Ok(page) => page,
                Err(SyncError::CursorRejected { message }) if !fell_back && matches!(mode, ReadMode::Since(_)) => {
                    // The provider no longer accepts the stored position: read everything again.
                    // Nothing is rewritten needlessly: unchanged records match their hashes.
                    fell_back = true;
                    scope
                        .run_log(&self.run_id, "warn", &format!("{message}; reading everything again instead."))
                        .await?;
                    mode = ReadMode::Full;
                    token = None;
                    high_water = self
                        .with_retry("reading the current position", || self.source.high_water_mark(&object))
                        .await
                        .map_err(RunFailure::Sync)?;
                    continue;
                }
                Err(err) => return Err(RunFailure::Sync(err)),
            };
            pages += 1;
            if let Some(cursor) = page.records.iter().rev().find_map(|r| r.cursor.clone()) {
                last_cursor = Some(cursor);
            }
            let next = page.next;
            match &next {
                // Reading page N+1 overlaps writing page N; nothing about page N+1 is acted on
                // before page N is done, and the cursor still moves only at the end.
                Some(t) => {
                    let ahead = self.read_page(&object, &mode, Some(t.clone()));
                    let (processed, read) = tokio::join!(self.process_page(page.records), ahead);
                    processed?;
                    read_ahead = Some(read);
                }
                None => self.process_page(page.records).await?,
            }
            if last_progress.elapsed() >= PROGRESS_EVERY {
                scope.run_progress(&self.run_id, &self.counts).await?;
                last_progress = tokio::time::Instant::now();
            }
            match next {
                Some(t) => token = Some(t),
                None => break,
            }
        }
        let noun = if pages == 1 { "page" } else { "pages" };
        scope.run_log(&self.run_id, "info", &format!("Read {pages} {noun}.")).await?;
        let cursor = match mode {
            ReadMode::Since(old) if incremental => Some(last_cursor.unwrap_or(old)),
            _ if incremental => high_water.or(last_cursor),
            _ => None,
        };
        // Every record read has been written (or recorded as failed): the position is safe.
        if incremental {
            scope.set_recipe_cursor(&self.recipe.id, cursor.as_deref()).await?;
        }
        Ok(cursor)
    }
}

//! Runs, their logs, and record errors through the API.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;

use super::auth::ApiPrincipal;
use crate::domain::Role;
use crate::error::{ApiError, ErrorBody};
use crate::http::extractors::ClientIp;
use crate::state::AppState;
use crate::storage::{RecordError, Run, RunCounts};

#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct RunOut {
    pub id: String,
    pub recipe_id: String,
    /// manual, api, retry, schedule, webhook
    pub trigger: String,
    /// running, succeeded, succeeded_with_errors, failed, interrupted
    pub status: String,
    #[schema(value_type = Object)]
    pub counts: RunCounts,
    /// Why it failed: a kind (auth, rate_limited, permanent, setup, ...) and the words.
    pub error_kind: String,
    pub error_message: String,
    pub cursor_before: Option<String>,
    pub cursor_after: Option<String>,
    pub started_at: Option<String>,
    pub finished_at: Option<String>,
    pub duration_ms: Option<i64>,
}

impl From<Run> for RunOut {
    fn from(r: Run) -> Self {
        RunOut {
            duration_ms: r.started_at.zip(r.finished_at).map(|(s, f)| f - s),
            id: r.id,
            recipe_id: r.recipe_id,
            trigger: r.trigger,
            status: r.status,
            counts: r.counts,
            error_kind: r.error_kind,
            error_message: r.error_message,
            cursor_before: r.cursor_before,
            cursor_after: r.cursor_after,
            started_at: r.started_at.map(super::rfc3339_millis),
            finished_at: r.finished_at.map(super::rfc3339_millis),
        }
    }
}

#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct RunList {
    pub runs: Vec<RunOut>,
}

#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct LogLine {
    pub at: String,
    pub level: String,
    pub message: String,
}

#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct RunLogs {
    pub logs: Vec<LogLine>,
}

#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct RecordErrorOut {
    pub id: String,
    pub recipe_id: String,
    pub run_id: String,
    pub source_id: String,
    /// read, mapping or write
    pub stage: String,
    pub kind: String,
    /// In the provider's words where there are any.
    pub message: String,
    /// The source record, redacted.
    #[schema(value_type = Object)]
    pub payload: serde_json::Value,
    /// open, retried, resolved or ignored
    pub status: String,
    pub created_at: String,
}

impl From<RecordError> for RecordErrorOut {
    fn from(e: RecordError) -> Self {
        RecordErrorOut {
            payload: serde_json::from_str(&e.payload).unwrap_or(serde_json::Value::Null),
            id: e.id,
            recipe_id: e.recipe_id,
            run_id: e.run_id,
            source_id: e.source_id,
            stage: e.stage,
            kind: e.kind,
            message: e.message,
            status: e.status,
            created_at: super::rfc3339_millis(e.created_at),
        }
    }
}

#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct RecordErrorList {
    pub record_errors: Vec<RecordErrorOut>,
}

#[derive(serde::Deserialize)]
pub struct RunsQuery {
    recipe_id: Option<String>,
    run_id: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/runs", tag = "runs", security(("bearer" = [])), params(("recipe_id" = Option<String>, Query)),
    responses((status = 200, body = RunList)))]
pub async fn runs_list(
    State(state): State<AppState>,
    principal: ApiPrincipal,
    Query(q): Query<RunsQuery>,
) -> Result<Json<RunList>, ApiError> {
    let runs = state.store.tenant(&principal.tenant.id).runs(q.recipe_id.as_deref(), 100).await?;
    Ok(Json(RunList { runs: runs.into_iter().map(Into::into).collect() }))
}

/// A run's status and counts (read, created, updated, unchanged, skipped, failed, deleted).
#[utoipa::path(get, path = "/api/v1/runs/{id}", tag = "runs", security(("bearer" = [])), params(("id" = String, Path)),
    responses((status = 200, body = RunOut), (status = 404, body = ErrorBody)))]
pub async fn runs_get(
    State(state): State<AppState>,
    principal: ApiPrincipal,
    Path(id): Path<String>,
) -> Result<Json<RunOut>, ApiError> {
    Ok(Json(state.store.tenant(&principal.tenant.id).run(&id).await?.into()))
}

#[utoipa::path(get, path = "/api/v1/runs/{id}/logs", tag = "runs", security(("bearer" = [])), params(("id" = String, Path)),
    responses((status = 200, body = RunLogs), (status = 404, body = ErrorBody)))]
pub async fn runs_logs(
    State(state): State<AppState>,
    principal: ApiPrincipal,
    Path(id): Path<String>,
) -> Result<Json<RunLogs>, ApiError> {
    let scope = state.store.tenant(&principal.tenant.id);
    scope.run(&id).await?;
    let logs = scope.run_logs(&id, 1000).await?;
    Ok(Json(RunLogs {
        logs: logs
            .into_iter()
            .map(|l| LogLine { at: super::rfc3339_millis(l.at), level: l.level, message: l.message })
            .collect(),
    }))
}

/// Open record errors, or every error of one run (`?run_id=`).
#[utoipa::path(get, path = "/api/v1/record-errors", tag = "runs", security(("bearer" = [])), params(("run_id" = Option<String>, Query)),
    responses((status = 200, body = RecordErrorList)))]
pub async fn record_errors_list(
    State(state): State<AppState>,
    principal: ApiPrincipal,
    Query(q): Query<RunsQuery>,
) -> Result<Json<RecordErrorList>, ApiError> {
    let errors = state.store.tenant(&principal.tenant.id).record_errors(q.run_id.as_deref(), 500).await?;
    Ok(Json(RecordErrorList { record_errors: errors.into_iter().map(Into::into).collect() }))
}

/// Tries a failed record again: marks it retried and starts a run that reads everything
/// again (unchanged records are skipped by their hashes, so only the failed ones are written).
#[utoipa::path(post, path = "/api/v1/record-errors/{id}/retry", tag = "runs", security(("bearer" = [])), params(("id" = String, Path)),
    responses((status = 202, body = super::recipes::RunStarted), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn record_errors_retry(
    State(state): State<AppState>,
    principal: ApiPrincipal,
    ip: ClientIp,
    Path(id): Path<String>,
) -> Result<(StatusCode, Json<super::recipes::RunStarted>), ApiError> {
    principal.require(Role::Editor, "retrying records")?;
    let scope = state.store.tenant(&principal.tenant.id);
    let error = scope.record_error(&id).await?;
    let run_id = super::recipes::start(&state, &principal, &error.recipe_id, "retry").await?;
    scope.set_record_error_status(&id, "retried").await?;
    scope.audit(&principal.audit(&ip, "record_error.retried", &error.source_id, &error.recipe_id)).await?;
    Ok((StatusCode::ACCEPTED, Json(super::recipes::RunStarted { run_id })))
}

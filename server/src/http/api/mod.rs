//! The REST API under /api/v1: JSON in and out, bearer API tokens, errors always shaped
//! `{"error":{"code","message"}}`, described by the OpenAPI document at /api/v1/openapi.json.

pub mod auth;
pub mod connections;
pub mod jobs;
pub mod me;
pub mod members;
pub mod openapi;
pub mod providers;
pub mod recipes;
pub mod runs;
pub mod webhooks;

use axum::Router;
use axum::routing::{get, post};

use crate::error::ApiError;
use crate::state::AppState;

/// A stored time (ms since the epoch) as RFC 3339 UTC to the second, as most resources show it.
fn rfc3339_secs(ms: i64) -> String {
    rfc3339(ms, chrono::SecondsFormat::Secs)
}

/// To the millisecond, for runs, their logs and jobs, where order within a second matters.
fn rfc3339_millis(ms: i64) -> String {
    rfc3339(ms, chrono::SecondsFormat::Millis)
}

fn rfc3339(ms: i64, precision: chrono::SecondsFormat) -> String {
    chrono::DateTime::from_timestamp_millis(ms).unwrap_or_default().to_rfc3339_opts(precision, true)
}

/// Routes relative to /api/v1.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/openapi.json", get(openapi::openapi_get))
        .route("/me", get(me::me_get))
        .route("/members", get(members::members_list_get))
        .route("/members/{user_id}", get(members::members_get).patch(members::members_patch))
        .route("/providers", get(providers::providers_list))
        .route("/connections", get(connections::connections_list).post(connections::connections_create))
        .route(
            "/connections/{id}",
            get(connections::connections_get)
                .patch(connections::connections_patch)
                .delete(connections::connections_delete),
        )
        .route("/connections/{id}/test", post(connections::connections_test))
        .route("/connections/{id}/reconnect", post(connections::connections_reconnect))
        .route("/recipes", get(recipes::recipes_list).post(recipes::recipes_create))
        .route("/recipes/{id}", get(recipes::recipes_get).put(recipes::recipes_put).delete(recipes::recipes_delete))
        .route("/recipes/{id}/preview", post(recipes::recipes_preview))
        .route("/recipes/{id}/run", post(recipes::recipes_run))
        .route("/recipes/{id}/webhooks", get(webhooks::webhooks_list).post(webhooks::webhooks_create))
        .route("/webhooks/{id}", axum::routing::delete(webhooks::webhooks_delete))
        .route("/runs", get(runs::runs_list))
        .route("/runs/{id}", get(runs::runs_get))
        .route("/runs/{id}/logs", get(runs::runs_logs))
        .route("/jobs", get(jobs::jobs_list))
        .route("/record-errors", get(runs::record_errors_list))
        .route("/record-errors/{id}/retry", post(runs::record_errors_retry))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
}

async fn not_found() -> ApiError {
    ApiError::NotFound
}

async fn method_not_allowed() -> ApiError {
    ApiError::MethodNotAllowed
}

//! The control API under `/_sandbox` that tests and demos use to revoke grants, shorten token
//! lifetimes, queue faults, read counters and move the clock.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::json;

use super::Sandbox;
use super::faults::Fault;

pub async fn health_get() -> Json<serde_json::Value> {
    Json(json!({"status": "ok"}))
}

pub async fn revoke_post(State(s): State<Arc<Sandbox>>, Path(provider): Path<String>) -> Response {
    let spec = match s.provider(&provider) {
        Ok(spec) => spec,
        Err(reject) => return reject.into_response(),
    };
    let revoked = s.shared.lock().revoke_all(&spec.id);
    tracing::info!(provider = %spec.id, revoked, "sandbox: grants revoked");
    Json(json!({"provider": spec.id, "revoked_grants": revoked})).into_response()
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SettingsBody {
    access_token_ttl_secs: u64,
}

pub async fn settings_post(
    State(s): State<Arc<Sandbox>>,
    Path(provider): Path<String>,
    Json(body): Json<SettingsBody>,
) -> Response {
    let spec = match s.provider(&provider) {
        Ok(spec) => spec,
        Err(reject) => return reject.into_response(),
    };
    s.shared.lock().set_ttl(&spec.id, body.access_token_ttl_secs);
    Json(json!({"provider": spec.id, "access_token_ttl_secs": body.access_token_ttl_secs})).into_response()
}

pub async fn stats_get(State(s): State<Arc<Sandbox>>, Path(provider): Path<String>) -> Response {
    let spec = match s.provider(&provider) {
        Ok(spec) => spec,
        Err(reject) => return reject.into_response(),
    };
    Json(s.shared.lock().stats(&spec.id)).into_response()
}

pub async fn faults_post(State(s): State<Arc<Sandbox>>, Json(fault): Json<Fault>) -> Response {
    if let Err(reject) = s.provider(&fault.provider) {
        return reject.into_response();
    }
    s.shared.lock().faults.push(fault);
    StatusCode::NO_CONTENT.into_response()
}

pub async fn faults_delete(State(s): State<Arc<Sandbox>>) -> StatusCode {
    s.shared.lock().faults.clear();
    StatusCode::NO_CONTENT
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClockBody {
    secs: u64,
}

/// Moves the sandbox's clock forward, so codes and tokens expire without a test sleeping.
pub async fn clock_advance_post(State(s): State<Arc<Sandbox>>, Json(body): Json<ClockBody>) -> StatusCode {
    s.shared.advance_clock(body.secs);
    StatusCode::NO_CONTENT
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeyBody {
    provider: String,
    key: String,
}

/// Accepts one more API key or static token for a provider.
pub async fn keys_post(State(s): State<Arc<Sandbox>>, Json(body): Json<KeyBody>) -> Response {
    if let Err(reject) = s.provider(&body.provider) {
        return reject.into_response();
    }
    s.shared.lock().keys.entry(body.provider).or_default().push(body.key);
    StatusCode::NO_CONTENT.into_response()
}

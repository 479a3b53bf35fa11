//! Connections through the API: create (API key, or OAuth with an authorize URL to send the
//! user to), list, read, test, rename, disable, reconnect, delete. Secrets go in, never out.

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;

use super::auth::{ApiJson, ApiPrincipal};
use crate::connections::{connect, credentials::Credentials, oauth};
use crate::domain::Role;
use crate::error::{ApiError, ErrorBody};
use crate::http::extractors::ClientIp;
use crate::providers::Provider;
use crate::state::AppState;
use crate::storage::{Connection, ConnectionStatus};

/// A connection as the API shows it: never a secret, at most its last four characters.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct ConnectionOut {
    pub id: String,
    pub provider: String,
    pub label: String,
    /// oauth2, api_key, basic or connection_string
    pub auth_kind: String,
    /// pending, active, needs_reauth, error or disabled
    pub status: String,
    /// Why the status is what it is, in the provider's words where there are any.
    pub status_reason: String,
    pub account_id: String,
    pub account_name: String,
    /// "…a1b2", or empty.
    pub secret_hint: String,
    pub access_token_expires_at: Option<String>,
    pub last_checked_at: Option<String>,
    pub last_check_ok: Option<bool>,
    pub last_check_message: String,
    /// Runs that may use this connection at the same time, across all processes.
    pub max_concurrent_runs: i64,
    /// The provider's request budget as this connection has used it (on a single
    /// connection's GET, when the provider has a rate limit).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_budget: Option<RequestBudgetOut>,
    pub created_at: String,
}

/// One provider account's request budget, shared by every run in every process.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct RequestBudgetOut {
    /// The documented limit: `requests` per `per_seconds`.
    pub requests: u32,
    pub per_seconds: u32,
    /// Requests that can be made right now.
    pub available: i64,
    /// Requests made through the budget so far.
    pub used: i64,
    /// Time runs spent waiting for the budget, in total.
    pub waited_ms: i64,
    /// Times the provider answered 429 anyway.
    pub rate_limited: i64,
    /// The provider asked for a pause until then.
    pub paused_until: Option<String>,
}

impl From<Connection> for ConnectionOut {
    fn from(c: Connection) -> Self {
        ConnectionOut {
            id: c.id,
            provider: c.provider,
            label: c.label,
            auth_kind: c.auth_kind,
            status: c.status.as_str().into(),
            status_reason: c.status_reason,
            account_id: c.account_id,
            account_name: c.account_name,
            secret_hint: c.secret_hint,
            access_token_expires_at: c.access_expires_at.map(super::rfc3339_secs),
            last_checked_at: c.last_checked_at.map(super::rfc3339_secs),
            last_check_ok: c.last_check_ok,
            last_check_message: c.last_check_message,
            max_concurrent_runs: c.max_concurrent_runs.unwrap_or(crate::storage::DEFAULT_MAX_CONCURRENT_RUNS),
            request_budget: None,
            created_at: super::rfc3339_secs(c.created_at),
        }
    }
}

#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct ConnectionList {
    pub connections: Vec<ConnectionOut>,
}

#[derive(serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewConnection {
    /// A provider id from GET /api/v1/providers, e.g. "hubspot" or "stripe".
    pub provider: String,
    pub label: String,
    /// For API-key, basic, connection-string providers, and static tokens
    /// (`{"access_token": "…"}` for HubSpot private apps). Omit to sign in with OAuth.
    #[serde(default)]
    pub credentials: Option<BTreeMap<String, String>>,
}

#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct Created {
    pub connection: ConnectionOut,
    /// For OAuth: send the user here; the connection stays `pending` until they come back.
    pub authorize_url: Option<String>,
}

#[derive(serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConnectionPatch {
    pub label: Option<String>,
    /// false disables the connection (nothing uses it until enabled again).
    pub enabled: Option<bool>,
    /// Runs that may use it at the same time, 1 to 64 (default 4).
    pub max_concurrent_runs: Option<i64>,
}

#[derive(serde::Deserialize, utoipa::ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct Reconnect {
    #[serde(default)]
    pub credentials: Option<BTreeMap<String, String>>,
}

#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct TestResult {
    pub ok: bool,
    pub latency_ms: Option<i64>,
    /// "OK in 84 ms", or what failed in the provider's words.
    pub message: String,
    /// The connection's status after the test.
    pub status: String,
    pub account_id: String,
}

/// The limits a connection's runs at once may be set to (API and settings page).
pub const RUNS_AT_ONCE: std::ops::RangeInclusive<i64> = 1..=64;

pub fn label(raw: &str) -> Result<String, ApiError> {
    let label = raw.trim();
    if label.is_empty() || label.chars().count() > 80 || label.chars().any(char::is_control) {
        return Err(ApiError::Validation("The label must be 1 to 80 characters, e.g. \"HubSpot (sales)\".".into()));
    }
    Ok(label.to_owned())
}

fn provider<'a>(state: &'a AppState, id: &str) -> Result<&'a Provider, ApiError> {
    state
        .catalog
        .get(id)
        .ok_or_else(|| ApiError::Validation(format!("Unknown provider {id:?}; GET /api/v1/providers lists them.")))
}

/// Creates a connection: verified credentials make it `active` (201); without credentials an
/// OAuth provider answers `pending` with the `authorize_url` to send the user to.
#[utoipa::path(post, path = "/api/v1/connections", tag = "connections", security(("bearer" = [])), request_body = NewConnection,
    responses((status = 201, body = Created), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody), (status = 502, body = ErrorBody)))]
pub async fn connections_create(
    State(state): State<AppState>,
    principal: ApiPrincipal,
    ip: ClientIp,
    ApiJson(body): ApiJson<NewConnection>,
) -> Result<(StatusCode, Json<Created>), ApiError> {
    principal.require(Role::Admin, "connecting accounts")?;
    let provider = provider(&state, &body.provider)?;
    let label = label(&body.label)?;
    let scope = state.store.tenant(&principal.tenant.id);
    let created = match body.credentials {
        Some(input) => {
            let creds = connect::credentials_from_input(provider, &input)?;
            let c = connect::connect_with_credentials(
                &state,
                &principal.tenant.id,
                provider,
                &label,
                creds,
                principal.token.created_by.as_deref(),
                None,
            )
            .await?;
            Created { connection: c.into(), authorize_url: None }
        }
        None if provider.spec.oauth2.is_some() => {
            let started = oauth::start(&state, &principal.tenant.id, provider, &label, None, None).await?;
            Created { connection: started.connection.into(), authorize_url: Some(started.authorize_url) }
        }
        None => {
            let names: Vec<String> = provider.spec.credential_fields().into_iter().map(|f| f.name).collect();
            return Err(ApiError::Validation(format!(
                "{} needs credentials: {}.",
                provider.spec.name,
                names.join(", ")
            )));
        }
    };
    scope.audit(&principal.audit(&ip, "connection.created", &created.connection.label, &body.provider)).await?;
    Ok((StatusCode::CREATED, Json(created)))
}

#[utoipa::path(get, path = "/api/v1/connections", tag = "connections", security(("bearer" = [])),
    responses((status = 200, body = ConnectionList), (status = 401, body = ErrorBody)))]
pub async fn connections_list(
    State(state): State<AppState>,
    principal: ApiPrincipal,
) -> Result<Json<ConnectionList>, ApiError> {
    let connections = state.store.tenant(&principal.tenant.id).connections().await?;
    Ok(Json(ConnectionList { connections: connections.into_iter().map(Into::into).collect() }))
}

#[utoipa::path(get, path = "/api/v1/connections/{id}", tag = "connections", security(("bearer" = [])),
    params(("id" = String, Path)), responses((status = 200, body = ConnectionOut), (status = 404, body = ErrorBody)))]
pub async fn connections_get(
    State(state): State<AppState>,
    principal: ApiPrincipal,
    Path(id): Path<String>,
) -> Result<Json<ConnectionOut>, ApiError> {
    let scope = state.store.tenant(&principal.tenant.id);
    let connection = scope.connection(&id).await?;
    let rate = state.catalog.get(&connection.provider).and_then(|p| p.rate_limit);
    let mut out = ConnectionOut::from(connection);
    if let Some(rate) = rate {
        let used = scope.budget_use(&id, rate).await?;
        out.request_budget = Some(RequestBudgetOut {
            requests: rate.requests,
            per_seconds: rate.per_seconds,
            available: used.as_ref().map_or(i64::from(rate.requests), |u| u.available),
            used: used.as_ref().map_or(0, |u| u.used),
            waited_ms: used.as_ref().map_or(0, |u| u.waited_ms),
            rate_limited: used.as_ref().map_or(0, |u| u.limited),
            paused_until: used.and_then(|u| u.blocked_until).map(super::rfc3339_secs),
        });
    }
    Ok(Json(out))
}

/// Runs the provider's cheap authenticated call (refreshing the token first if needed) and
/// updates the connection's status. A failed check is a 200 with `ok: false`.
#[utoipa::path(post, path = "/api/v1/connections/{id}/test", tag = "connections", security(("bearer" = [])),
    params(("id" = String, Path)), responses((status = 200, body = TestResult), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn connections_test(
    State(state): State<AppState>,
    principal: ApiPrincipal,
    Path(id): Path<String>,
) -> Result<Json<TestResult>, ApiError> {
    principal.require(Role::Admin, "testing connections")?;
    let scope = state.store.tenant(&principal.tenant.id);
    let connection = scope.connection(&id).await?;
    if connection.status == ConnectionStatus::Pending {
        return Err(ApiError::Conflict(
            "This connection's sign-in has not finished; open its authorize_url first.".into(),
        ));
    }
    let outcome = connect::test(&state, &connection).await;
    let after = scope.connection(&id).await?;
    Ok(Json(match outcome {
        Ok(checked) => TestResult {
            ok: true,
            latency_ms: Some(checked.millis),
            message: after.last_check_message,
            status: after.status.as_str().into(),
            account_id: after.account_id,
        },
        Err(err) => TestResult {
            ok: false,
            latency_ms: None,
            message: err.to_string(),
            status: after.status.as_str().into(),
            account_id: after.account_id,
        },
    }))
}

#[utoipa::path(patch, path = "/api/v1/connections/{id}", tag = "connections", security(("bearer" = [])), request_body = ConnectionPatch,
    params(("id" = String, Path)), responses((status = 200, body = ConnectionOut), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn connections_patch(
    State(state): State<AppState>,
    principal: ApiPrincipal,
    ip: ClientIp,
    Path(id): Path<String>,
    ApiJson(patch): ApiJson<ConnectionPatch>,
) -> Result<Json<ConnectionOut>, ApiError> {
    principal.require(Role::Admin, "changing connections")?;
    let scope = state.store.tenant(&principal.tenant.id);
    let connection = scope.connection(&id).await?;
    let new_label = patch.label.as_deref().map(label).transpose()?;
    // Everything is checked before anything is changed.
    if let Some(limit) = patch.max_concurrent_runs
        && !RUNS_AT_ONCE.contains(&limit)
    {
        return Err(ApiError::Validation(format!("max_concurrent_runs must be 1 to 64 runs at once, got {limit}.")));
    }
    if patch.enabled.is_some() && connection.status == ConnectionStatus::Pending {
        return Err(ApiError::Conflict("Finish the sign-in before enabling or disabling this connection.".into()));
    }
    if let Some(new_label) = &new_label {
        scope.rename_connection(&id, new_label).await?;
        scope
            .audit(&principal.audit(&ip, "connection.renamed", new_label, &format!("was {}", connection.label)))
            .await?;
    }
    if let Some(limit) = patch.max_concurrent_runs {
        scope.set_max_concurrent_runs(&id, limit).await?;
        let detail = format!("{limit} runs at once");
        scope.audit(&principal.audit(&ip, "connection.limit_changed", &connection.label, &detail)).await?;
    }
    if let Some(enabled) = patch.enabled {
        let (status, action) = if enabled {
            (ConnectionStatus::Active, "connection.enabled")
        } else {
            (ConnectionStatus::Disabled, "connection.disabled")
        };
        scope.set_connection_status(&id, status, "").await?;
        scope.connection_event(&id, if enabled { "enabled" } else { "disabled" }, "").await?;
        scope.audit(&principal.audit(&ip, action, &connection.label, "")).await?;
    }
    Ok(Json(scope.connection(&id).await?.into()))
}

#[utoipa::path(delete, path = "/api/v1/connections/{id}", tag = "connections", security(("bearer" = [])),
    params(("id" = String, Path)), responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn connections_delete(
    State(state): State<AppState>,
    principal: ApiPrincipal,
    ip: ClientIp,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    principal.require(Role::Admin, "deleting connections")?;
    let scope = state.store.tenant(&principal.tenant.id);
    let gone = scope.delete_connection(&id).await?;
    scope.audit(&principal.audit(&ip, "connection.deleted", &gone.label, &gone.provider)).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// New credentials for an existing connection, or a new OAuth sign-in (`authorize_url`). The
/// account must stay the same.
#[utoipa::path(post, path = "/api/v1/connections/{id}/reconnect", tag = "connections", security(("bearer" = [])), request_body = Reconnect,
    params(("id" = String, Path)), responses((status = 200, body = Created), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn connections_reconnect(
    State(state): State<AppState>,
    principal: ApiPrincipal,
    ip: ClientIp,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> Result<Json<Created>, ApiError> {
    principal.require(Role::Admin, "reconnecting accounts")?;
    let scope = state.store.tenant(&principal.tenant.id);
    let existing = scope.connection(&id).await?;
    let provider = provider(&state, &existing.provider)?;
    // An empty body means "sign in again with OAuth".
    let body: Reconnect = if body.iter().all(u8::is_ascii_whitespace) {
        Reconnect::default()
    } else {
        serde_json::from_slice(&body)
            .map_err(|e| ApiError::Validation(format!("The JSON does not have the expected shape: {e}")))?
    };
    let out = match body.credentials {
        Some(input) => {
            let creds: Credentials = connect::credentials_from_input(provider, &input)?;
            let c = connect::connect_with_credentials(
                &state,
                &principal.tenant.id,
                provider,
                &existing.label,
                creds,
                None,
                Some(&existing),
            )
            .await?;
            Created { connection: c.into(), authorize_url: None }
        }
        None => {
            let started =
                oauth::start(&state, &principal.tenant.id, provider, &existing.label, None, Some(&existing)).await?;
            Created { connection: started.connection.into(), authorize_url: Some(started.authorize_url) }
        }
    };
    scope.audit(&principal.audit(&ip, "connection.reconnected", &existing.label, "")).await?;
    Ok(Json(out))
}

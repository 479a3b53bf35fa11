//! Webhook endpoints of a recipe through the API: create (the secret is shown once),
//! list (never the secret) and revoke.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde_json::Value;

use super::auth::ApiPrincipal;
use crate::domain::Role;
use crate::error::{ApiError, ErrorBody};
use crate::http::extractors::ClientIp;
use crate::http::webhook_endpoints::{self as endpoints, hook_url};
use crate::state::AppState;
use crate::storage::WebhookEndpoint;
use crate::webhooks::EndpointRequest;

#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct WebhookOut {
    pub id: String,
    pub recipe_id: String,
    /// Where the provider sends events.
    pub url: String,
    /// How deliveries are authenticated, e.g. `{"scheme":"stripe"}`.
    #[schema(value_type = Object)]
    pub scheme: Value,
    /// `active` or `revoked`.
    pub status: &'static str,
    pub created_at: String,
    pub revoked_at: Option<String>,
}

#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct WebhookCreated {
    #[serde(flatten)]
    pub webhook: WebhookOut,
    /// The signing secret, shown this once; Hitch keeps it only sealed.
    pub secret: String,
}

#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct WebhookList {
    pub webhooks: Vec<WebhookOut>,
}

/// Optional body of the create call. Without `scheme` the recipe's source system decides.
#[derive(serde::Deserialize, utoipa::ToSchema)]
pub struct NewWebhook {
    /// `stripe`, `hubspot_v3` or `generic` (with an optional `event_id_pointer`).
    pub scheme: Option<String>,
    /// RFC 6901 pointer to the event id, for `generic`.
    pub event_id_pointer: Option<String>,
    /// A signing secret to use instead of a generated one (HubSpot signs with the app's
    /// client secret).
    pub secret: Option<String>,
}

fn out(state: &AppState, endpoint: &WebhookEndpoint) -> WebhookOut {
    WebhookOut {
        id: endpoint.id.clone(),
        recipe_id: endpoint.recipe_id.clone(),
        url: hook_url(state, &endpoint.id),
        scheme: serde_json::from_str(&endpoint.scheme).unwrap_or(Value::Null),
        status: if endpoint.revoked_at.is_some() { "revoked" } else { "active" },
        created_at: super::rfc3339_secs(endpoint.created_at),
        revoked_at: endpoint.revoked_at.map(super::rfc3339_secs),
    }
}

/// The body is optional, so it is read as bytes: empty means "all defaults".
fn parse_body(body: &[u8]) -> Result<EndpointRequest, ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(EndpointRequest { scheme: None, secret: None });
    }
    let value: Value =
        serde_json::from_slice(body).map_err(|_| ApiError::BadRequest("The body is not valid JSON.".into()))?;
    let Some(object) = value.as_object() else {
        return Err(ApiError::Validation("The body must be a JSON object.".into()));
    };
    let text = |key: &str| match object.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.as_str())),
        Some(_) => Err(ApiError::Validation(format!("{key} must be a string."))),
    };
    EndpointRequest::parse(text("scheme")?, text("event_id_pointer")?, text("secret")?)
        .map_err(|problem| ApiError::Validation(problem.message))
}

/// Creates an endpoint that runs the recipe when a signed event arrives. Without a body
/// the scheme follows the recipe's source (Stripe, HubSpot, else generic HMAC).
#[utoipa::path(post, path = "/api/v1/recipes/{id}/webhooks", tag = "webhooks", security(("bearer" = [])),
    params(("id" = String, Path)), request_body(content = Option<NewWebhook>),
    responses((status = 201, body = WebhookCreated), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn webhooks_create(
    State(state): State<AppState>,
    principal: ApiPrincipal,
    ip: ClientIp,
    Path(recipe_id): Path<String>,
    body: Bytes,
) -> Result<(StatusCode, Json<WebhookCreated>), ApiError> {
    principal.require(Role::Editor, "creating webhooks")?;
    let request = parse_body(&body)?;
    let audit = |action: &str, target: &str, detail: &str| principal.audit(&ip, action, target, detail);
    let created = endpoints::create(&state, &principal.tenant.id, &recipe_id, request, &audit).await?;
    let webhook = out(&state, &created.endpoint);
    Ok((StatusCode::CREATED, Json(WebhookCreated { webhook, secret: created.secret })))
}

#[utoipa::path(get, path = "/api/v1/recipes/{id}/webhooks", tag = "webhooks", security(("bearer" = [])),
    params(("id" = String, Path)), responses((status = 200, body = WebhookList), (status = 404, body = ErrorBody)))]
pub async fn webhooks_list(
    State(state): State<AppState>,
    principal: ApiPrincipal,
    Path(recipe_id): Path<String>,
) -> Result<Json<WebhookList>, ApiError> {
    let scope = state.store.tenant(&principal.tenant.id);
    scope.recipe(&recipe_id).await?;
    let list = scope.webhook_endpoints(&recipe_id).await?;
    Ok(Json(WebhookList { webhooks: list.iter().map(|e| out(&state, e)).collect() }))
}

/// Revokes an endpoint: later deliveries to its URL get 404.
#[utoipa::path(delete, path = "/api/v1/webhooks/{id}", tag = "webhooks", security(("bearer" = [])),
    params(("id" = String, Path)),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn webhooks_delete(
    State(state): State<AppState>,
    principal: ApiPrincipal,
    ip: ClientIp,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    principal.require(Role::Editor, "revoking webhooks")?;
    let audit = |action: &str, target: &str, detail: &str| principal.audit(&ip, action, target, detail);
    endpoints::revoke(&state, &principal.tenant.id, &id, &audit).await?;
    Ok(StatusCode::NO_CONTENT)
}

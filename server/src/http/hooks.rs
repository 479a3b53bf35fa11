//! `POST /hooks/{endpoint}`: where providers deliver webhook events. No session and no
//! CSRF (the caller is a provider, not a browser): the unguessable endpoint id selects the
//! tenant and recipe, and the provider's signature over the raw body authenticates it.
//!
//! Events are stored (deduped by event id) before the 2xx, so an accepted event is never
//! lost; a delivery whose events were all seen before triggers nothing. The endpoint row
//! comes from memory ([`crate::webhooks::EndpointCache`]); the events and the run they queue
//! are written by the group-commit writer ([`crate::webhooks::Ingest`]), which checks the
//! endpoint and its recipe again in the same transaction.

use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use crate::error::{ErrorBody, ErrorDetail};
use crate::state::AppState;
use crate::storage::{HookDelivery, HookOutcome, NewWebhookEvent, StoreError, WebhookEndpoint};
use crate::sync::mapping::redact;
use crate::webhooks::{DEFAULT_MAX_BODY_BYTES, InboundRequest, IngestError, Rejection, Scheme, Verified, verify};

/// Longest endpoint id looked up; real ones are 67 characters, so longer is noise.
const MAX_ENDPOINT_ID_LEN: usize = 128;

fn error(status: StatusCode, code: &'static str, message: impl Into<String>) -> Response {
    (status, Json(ErrorBody { error: ErrorDetail { code, message: message.into() } })).into_response()
}

fn not_found() -> Response {
    error(StatusCode::NOT_FOUND, "not_found", "No such webhook endpoint.")
}

fn internal() -> Response {
    error(StatusCode::INTERNAL_SERVER_ERROR, "internal", "Hitch could not take this delivery; send it again later.")
}

fn rejected(rejection: &Rejection) -> Response {
    let code = match rejection {
        Rejection::MissingSignature => "signature_missing",
        Rejection::BadSignature => "signature_invalid",
        Rejection::Stale { .. } => "signature_expired",
        Rejection::Malformed(_) => "malformed",
        Rejection::NotJson => "not_json",
        Rejection::TooLarge { .. } => "payload_too_large",
    };
    error(rejection.status(), code, rejection.to_string())
}

/// The endpoint id as logged: its start only, since the whole id lets anyone post to it.
fn short(id: &str) -> String {
    id.chars().take(10).collect()
}

pub async fn hook_post(
    State(state): State<AppState>,
    Path(id): Path<String>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let body = match body {
        Ok(body) => body,
        Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
            tracing::warn!(endpoint = %short(&id), "webhook rejected: body too large");
            return rejected(&Rejection::TooLarge { limit: DEFAULT_MAX_BODY_BYTES });
        }
        Err(_) => return error(StatusCode::BAD_REQUEST, "bad_request", "The request body could not be read."),
    };
    if id.len() > MAX_ENDPOINT_ID_LEN {
        return not_found();
    }
    let endpoint = match state.hook_endpoints.get(&state.store, &id).await {
        Ok(endpoint) if endpoint.revoked_at.is_none() => endpoint,
        Ok(_) | Err(StoreError::NotFound) => return not_found(),
        Err(e) => {
            tracing::error!(error = %e, "webhook endpoint lookup failed");
            return internal();
        }
    };
    let Some(verified) = authenticate(&state, &endpoint, &method, &uri, &headers, &body) else {
        // Read the row again next time: its secret may have been sealed anew meanwhile.
        state.hook_endpoints.forget(&id);
        return internal();
    };
    let verified = match verified {
        Ok(verified) => verified,
        Err(rejection) => {
            tracing::warn!(endpoint = %short(&id), tenant = %endpoint.tenant_id, reason = %rejection, "webhook rejected");
            return rejected(&rejection);
        }
    };
    accept(&state, &endpoint, &verified).await
}

/// Opens the endpoint's secret and verifies the delivery; `None` when the endpoint's own
/// row cannot be used (unreadable scheme, secret sealed under an unknown key).
fn authenticate(
    state: &AppState,
    endpoint: &WebhookEndpoint,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: &[u8],
) -> Option<Result<Verified, Rejection>> {
    let scheme: Scheme = match serde_json::from_str(&endpoint.scheme) {
        Ok(scheme) => scheme,
        Err(e) => {
            tracing::error!(endpoint = %short(&endpoint.id), error = %e, "webhook endpoint has an unreadable scheme");
            return None;
        }
    };
    let context = WebhookEndpoint::secret_context(&endpoint.tenant_id, &endpoint.id);
    let secret = match state.secrets.open(&endpoint.sealed_secret, &context) {
        Ok(secret) => secret,
        Err(e) => {
            tracing::error!(endpoint = %short(&endpoint.id), error = %e, "webhook secret could not be opened");
            return None;
        }
    };
    // The public URL the provider was given, plus whatever query it sends: HubSpot signs
    // the full URL, and a proxy in front means the request's own Host cannot be trusted.
    let mut url = state.settings.absolute_url(&format!("/hooks/{}", endpoint.id));
    if let Some(query) = uri.query() {
        url.push('?');
        url.push_str(query);
    }
    let request = InboundRequest { method: method.as_str(), url: &url, headers, body };
    Some(verify(&scheme, &secret, &request, chrono::Utc::now()))
}

/// Stores the events and queues a run unless every event was a redelivery (one
/// transaction, shared with whatever other deliveries wait at the same time).
async fn accept(state: &AppState, endpoint: &WebhookEndpoint, verified: &Verified) -> Response {
    let delivery = HookDelivery {
        tenant_id: endpoint.tenant_id.clone(),
        endpoint_id: endpoint.id.clone(),
        recipe_id: endpoint.recipe_id.clone(),
        events: events(verified),
    };
    match state.ingest.submit(delivery).await {
        Ok(HookOutcome::Accepted { run_id, joined, fresh }) => {
            tracing::info!(
                endpoint = %short(&endpoint.id), events = fresh, run_id = %run_id, joined,
                "webhook accepted"
            );
            (StatusCode::OK, Json(json!({"status": "accepted", "run_id": run_id}))).into_response()
        }
        Ok(HookOutcome::Duplicate) => {
            tracing::info!(endpoint = %short(&endpoint.id), "webhook delivery was a duplicate");
            (StatusCode::OK, Json(json!({"status": "duplicate"}))).into_response()
        }
        // A disabled recipe refuses before anything is stored, so the provider keeps retrying
        // and the events still count as new once the recipe is enabled again.
        Ok(HookOutcome::Disabled) => disabled(),
        Ok(HookOutcome::Gone) => {
            // Revoked (or its recipe deleted) since the row was read into memory.
            state.hook_endpoints.forget(&endpoint.id);
            not_found()
        }
        // The writer logged why; nothing of this delivery was stored.
        Err(IngestError::Failed) => internal(),
        Err(IngestError::Stopped) => {
            tracing::warn!(endpoint = %short(&endpoint.id), "webhook refused: the server is stopping");
            internal()
        }
    }
}

fn disabled() -> Response {
    error(StatusCode::CONFLICT, "recipe_disabled", "The recipe of this webhook is disabled.")
}

/// One row per event: a batch (HubSpot) stores each event object under its own id.
fn events(verified: &Verified) -> Vec<NewWebhookEvent> {
    verified
        .event_ids
        .iter()
        .map(|id| {
            let object = match &verified.payload {
                Value::Array(items) => items.iter().find(|item| batch_id(item).as_deref() == Some(id.as_str())),
                _ => None,
            };
            let kind = object
                .and_then(|o| o.get("subscriptionType").or_else(|| o.get("type")))
                .and_then(Value::as_str)
                .map(str::to_owned)
                .or_else(|| verified.kind.clone())
                .unwrap_or_default();
            let payload = redacted(object.unwrap_or(&verified.payload)).to_string();
            NewWebhookEvent { event_id: id.clone(), kind, payload }
        })
        .collect()
}

/// The id of an event inside a HubSpot batch, as `webhooks::verify` extracts it.
fn batch_id(item: &Value) -> Option<String> {
    match item.get("eventId")? {
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// Event payloads are kept for inspection, so secrets and long text in them are masked
/// exactly like record payloads of record errors.
fn redacted(value: &Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(redact(map)),
        Value::Array(items) => Value::Array(items.iter().map(redacted).collect()),
        other => other.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_batch_stores_each_event_redacted_under_its_own_id() {
        let verified = Verified {
            event_ids: vec!["1".into(), "2".into()],
            kind: None,
            payload: json!([
                {"eventId": 1, "subscriptionType": "contact.creation", "objectId": 7},
                {"eventId": 2, "subscriptionType": "contact.deletion", "api_token": "tok_secret"}
            ]),
        };
        let stored = events(&verified);
        assert_eq!(stored.len(), 2);
        assert_eq!((stored[0].event_id.as_str(), stored[0].kind.as_str()), ("1", "contact.creation"));
        assert!(stored[0].payload.contains("\"objectId\":7") && !stored[0].payload.contains("deletion"));
        assert_eq!(stored[1].kind, "contact.deletion");
        assert!(!stored[1].payload.contains("tok_secret"), "{}", stored[1].payload);
    }

    #[test]
    fn a_single_event_keeps_the_delivery_kind() {
        let verified = Verified {
            event_ids: vec!["evt_1".into()],
            kind: Some("customer.created".into()),
            payload: json!({"id": "evt_1", "data": {"object": {"password": "hunter2"}}}),
        };
        let stored = events(&verified);
        assert_eq!(stored.len(), 1);
        assert_eq!(stored[0].kind, "customer.created");
        assert!(!stored[0].payload.contains("hunter2"), "{}", stored[0].payload);
    }
}

//! `/v1/webhook_endpoints` as in Stripe's API (the spec kept in provider-specs):
//! `POST` with `url` and `enabled_events[]` (optionally `description`, `metadata[k]`,
//! `api_version`, `connect`) answers the endpoint with its `whsec_…` secret, the only time
//! the secret is shown; `GET` lists (newest first, `limit`, `starting_after`), `GET /{id}`
//! retrieves, `POST /{id}` updates (`url`, `enabled_events[]`, `disabled`, `description`,
//! `metadata[k]`) and `DELETE /{id}` deletes. Endpoints are account settings, so a data
//! reset keeps them. `notify.rs` sends each new event to the endpoints that enabled it.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

use super::customers::{Params, apply_metadata, parse, unknown_parameter};
use super::errors::StripeError;
use super::list::{limit, one, pairs};
use crate::auth::tokens;
use crate::sandbox::Sandbox;
use crate::sandbox::api_auth::authenticate;

/// The most endpoints one account may have (Stripe allows 16).
const MAX_ENDPOINTS: usize = 16;

#[derive(Debug, Clone)]
pub struct Endpoint {
    pub id: String,
    pub url: String,
    pub enabled_events: Vec<String>,
    pub secret: String,
    pub disabled: bool,
    pub description: Option<String>,
    pub metadata: Vec<(Box<str>, Box<str>)>,
    pub api_version: Option<String>,
    pub created: i64,
}

impl Endpoint {
    /// Whether an event of type `kind` goes to this endpoint.
    pub fn wants(&self, kind: &str) -> bool {
        !self.disabled && self.enabled_events.iter().any(|e| e == "*" || e == kind)
    }

    fn render(&self, with_secret: bool) -> Value {
        let metadata: Map<String, Value> =
            self.metadata.iter().map(|(k, v)| (k.to_string(), Value::String(v.to_string()))).collect();
        let mut out = json!({
            "id": self.id,
            "object": "webhook_endpoint",
            "api_version": self.api_version,
            "application": null,
            "created": self.created,
            "description": self.description,
            "enabled_events": self.enabled_events,
            "livemode": false,
            "metadata": metadata,
            "status": if self.disabled { "disabled" } else { "enabled" },
            "url": self.url,
        });
        if with_secret {
            out["secret"] = json!(self.secret);
        }
        out
    }
}

/// `*`, or a type such as `customer.created` or `customer.subscription.updated`.
fn event_type_ok(t: &str) -> bool {
    t == "*"
        || (t.contains('.')
            && t.len() <= 100
            && t.split('.').all(|part| !part.is_empty() && part.bytes().all(|b| b.is_ascii_lowercase() || b == b'_')))
}

fn url_ok(url: &str) -> bool {
    url::Url::parse(url).is_ok_and(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some())
}

/// Applies form parameters to `e`; `creating` also allows `connect` and `api_version`.
fn apply(e: &mut Endpoint, params: &Params, creating: bool) -> Result<(), StripeError> {
    let mut events: Option<Vec<String>> = None;
    for (key, value) in params {
        match key.as_str() {
            "url" if url_ok(value) => e.url = value.clone(),
            "url" => {
                return Err(StripeError::invalid(format!("Invalid URL: {value}"), Some("url"), Some("url_invalid")));
            }
            k if k == "enabled_events[]" || (k.starts_with("enabled_events[") && k.ends_with(']')) => {
                if !event_type_ok(value) {
                    let msg = format!("Invalid {k}: must be an event type such as customer.created, or *");
                    return Err(StripeError::invalid(msg, Some(k), None));
                }
                events.get_or_insert_with(Vec::new).push(value.clone());
            }
            "description" => e.description = (!value.is_empty()).then(|| value.clone()),
            "disabled" if !creating => match value.as_str() {
                "true" | "false" => e.disabled = value == "true",
                _ => return Err(StripeError::invalid("Invalid boolean: disabled", Some("disabled"), None)),
            },
            "api_version" if creating => e.api_version = Some(value.clone()),
            "connect" if creating => {}
            k if k.starts_with("expand[") => {}
            k => {
                if !apply_metadata(&mut e.metadata, k, value)? {
                    return Err(unknown_parameter(k));
                }
            }
        }
    }
    if let Some(events) = events {
        e.enabled_events = events;
    }
    if creating {
        for (param, missing) in [("url", e.url.is_empty()), ("enabled_events", e.enabled_events.is_empty())] {
            if missing {
                let msg = format!("Missing required param: {param}.");
                return Err(StripeError::invalid(msg, Some(param), Some("parameter_missing")));
            }
        }
    }
    Ok(())
}

fn missing(id: &str) -> StripeError {
    StripeError::missing("webhook endpoint", id, "id", StatusCode::NOT_FOUND)
}

/// Authenticates like every Stripe call, then runs `op` on the account's endpoints.
fn with_endpoints(
    s: &Sandbox,
    headers: &HeaderMap,
    op: impl FnOnce(&mut Vec<Endpoint>) -> Result<Value, StripeError>,
) -> Response {
    if let Err(reject) = authenticate(s, "stripe", headers) {
        return reject.into_response();
    }
    match op(&mut s.hooks.stripe_endpoints()) {
        Ok(value) => axum::Json(value).into_response(),
        Err(err) => err.into_response(),
    }
}

pub async fn create_post(State(s): State<Arc<Sandbox>>, headers: HeaderMap, body: Bytes) -> Response {
    let now = i64::try_from(s.shared.now()).unwrap_or(0);
    with_endpoints(&s, &headers, |endpoints| {
        let params = parse(&body)?;
        let mut e = Endpoint {
            id: format!("we_{}", &uuid::Uuid::new_v4().simple().to_string()[..24]),
            url: String::new(),
            enabled_events: Vec::new(),
            secret: tokens::generate("whsec_"),
            disabled: false,
            description: None,
            metadata: Vec::new(),
            api_version: None,
            created: now,
        };
        apply(&mut e, &params, true)?;
        if endpoints.len() >= MAX_ENDPOINTS {
            let msg = format!("You have reached the maximum of {MAX_ENDPOINTS} test webhook endpoints.");
            return Err(StripeError::invalid(msg, None, None));
        }
        // Not the URL: a receiver's URL may itself be a credential (Hitch's /hooks/{id} is).
        tracing::info!(endpoint = %e.id, "sandbox: stripe webhook endpoint created");
        let value = e.render(true);
        endpoints.push(e);
        Ok(value)
    })
}

pub async fn list_get(State(s): State<Arc<Sandbox>>, headers: HeaderMap, RawQuery(query): RawQuery) -> Response {
    with_endpoints(&s, &headers, |endpoints| {
        let pairs = pairs(query.as_deref());
        let limit = limit(&pairs)?;
        let newest_first = endpoints.iter().rev();
        let older: Vec<&Endpoint> = match one(&pairs, "starting_after").filter(|v| !v.is_empty()) {
            Some(after) => {
                let at = endpoints.iter().rev().position(|e| e.id == after).ok_or_else(|| {
                    StripeError::missing("webhook endpoint", after, "starting_after", StatusCode::BAD_REQUEST)
                })?;
                newest_first.skip(at + 1).collect()
            }
            None => newest_first.collect(),
        };
        let data: Vec<Value> = older.iter().take(limit).map(|e| e.render(false)).collect();
        Ok(json!({"object": "list", "data": data, "has_more": older.len() > limit, "url": "/v1/webhook_endpoints"}))
    })
}

pub async fn endpoint_get(State(s): State<Arc<Sandbox>>, Path(id): Path<String>, headers: HeaderMap) -> Response {
    with_endpoints(&s, &headers, |endpoints| {
        endpoints.iter().find(|e| e.id == id).map(|e| e.render(false)).ok_or_else(|| missing(&id))
    })
}

pub async fn endpoint_update_post(
    State(s): State<Arc<Sandbox>>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    with_endpoints(&s, &headers, |endpoints| {
        let params = parse(&body)?;
        let e = endpoints.iter_mut().find(|e| e.id == id).ok_or_else(|| missing(&id))?;
        // All or nothing: a bad parameter leaves the endpoint as it was.
        let mut next = e.clone();
        apply(&mut next, &params, false)?;
        *e = next;
        Ok(e.render(false))
    })
}

pub async fn endpoint_delete(State(s): State<Arc<Sandbox>>, Path(id): Path<String>, headers: HeaderMap) -> Response {
    with_endpoints(&s, &headers, |endpoints| {
        let at = endpoints.iter().position(|e| e.id == id).ok_or_else(|| missing(&id))?;
        endpoints.remove(at);
        Ok(json!({"id": id, "object": "webhook_endpoint", "deleted": true}))
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn params(pairs: &[(&str, &str)]) -> Params {
        pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
    }

    fn blank() -> Endpoint {
        Endpoint {
            id: "we_1".into(),
            url: String::new(),
            enabled_events: Vec::new(),
            secret: "whsec_x".into(),
            disabled: false,
            description: None,
            metadata: Vec::new(),
            api_version: None,
            created: 0,
        }
    }

    #[test]
    fn create_needs_a_url_and_events_and_checks_them() {
        let mut e = blank();
        let ok = params(&[
            ("url", "https://example.com/hooks/a"),
            ("enabled_events[]", "customer.created"),
            ("enabled_events[1]", "customer.updated"),
        ]);
        apply(&mut e, &ok, true).unwrap();
        assert!(e.wants("customer.updated") && !e.wants("customer.deleted"));
        let err = apply(&mut blank(), &params(&[("url", "https://example.com")]), true).unwrap_err();
        assert_eq!((err.param.as_deref(), err.code), (Some("enabled_events"), Some("parameter_missing")));
        let err = apply(&mut blank(), &params(&[("url", "ftp://x"), ("enabled_events[]", "*")]), true).unwrap_err();
        assert_eq!(err.param.as_deref(), Some("url"));
        let err = apply(&mut blank(), &params(&[("enabled_events[]", "Customer Created")]), true).unwrap_err();
        assert!(err.message.contains("enabled_events[]"), "{}", err.message);
        let err = apply(&mut blank(), &params(&[("nope", "1")]), true).unwrap_err();
        assert_eq!(err.code, Some("parameter_unknown"));
        let err = apply(&mut blank(), &params(&[("disabled", "true")]), true).unwrap_err();
        assert_eq!(err.code, Some("parameter_unknown"));
    }

    #[test]
    fn disabled_endpoints_and_wildcards() {
        let mut e = blank();
        apply(&mut e, &params(&[("url", "http://127.0.0.1:9/x"), ("enabled_events[0]", "*")]), true).unwrap();
        assert!(e.wants("customer.deleted"));
        apply(&mut e, &params(&[("disabled", "true")]), false).unwrap();
        assert!(!e.wants("customer.deleted"));
        assert_eq!(e.render(false)["status"], "disabled");
        assert!(e.render(false).get("secret").is_none() && e.render(true)["secret"] == "whsec_x");
    }
}

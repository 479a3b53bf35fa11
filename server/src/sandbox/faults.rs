//! Injected failures: `POST /_sandbox/faults` queues them, and a middleware in front of every
//! provider route makes the next N matching requests fail before the handler runs (so a
//! faulted request changes no state and is not counted in the stats).

use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::Sandbox;

/// Which requests a fault applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Endpoint {
    /// The OAuth token endpoint (and PayPal's client-credentials token endpoint).
    Token,
    /// Every other provider call: "who am I", Mailchimp's metadata, the CRM stand-ins' API.
    Api,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub enum Kind {
    /// 500 with an HTML body, like a proxy in front of a failing service.
    #[serde(rename = "500")]
    ServerError,
    /// 200 whose body is not JSON.
    #[serde(rename = "garbage")]
    Garbage,
    /// Holds the request 30 s, then answers 504.
    #[serde(rename = "timeout")]
    Timeout,
    /// 429 with `Retry-After` (the fault's `retry_after_secs`, default 2).
    #[serde(rename = "429")]
    RateLimited,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Fault {
    pub provider: String,
    pub endpoint: Endpoint,
    pub kind: Kind,
    #[serde(default = "one")]
    pub count: u32,
    /// For 429: the Retry-After it asks for.
    #[serde(default = "two")]
    pub retry_after_secs: u32,
}

fn two() -> u32 {
    2
}

fn one() -> u32 {
    1
}

/// Takes one use of the first fault queued for this provider and endpoint: its kind, and the
/// Retry-After a 429 asks for.
pub fn take(faults: &mut Vec<Fault>, provider: &str, endpoint: Endpoint) -> Option<(Kind, u32)> {
    let i = faults.iter().position(|f| f.provider == provider && f.endpoint == endpoint && f.count > 0)?;
    let taken = (faults[i].kind, faults[i].retry_after_secs);
    faults[i].count -= 1;
    if faults[i].count == 0 {
        faults.remove(i);
    }
    Some(taken)
}

/// Which provider and endpoint a sandbox path belongs to; `None` for the consent page and
/// the control API, which are never faulted.
fn classify(path: &str) -> Option<(&str, Endpoint)> {
    let rest = path.strip_prefix('/')?;
    let (provider, tail) = rest.split_once('/')?;
    if provider.starts_with('_') || tail == "oauth/authorize" {
        return None;
    }
    let token = tail == "oauth/token" || (provider == "paypal" && tail == "v1/oauth2/token");
    Some((provider, if token { Endpoint::Token } else { Endpoint::Api }))
}

pub async fn inject(State(sandbox): State<Arc<Sandbox>>, request: Request, next: Next) -> Response {
    let kind = classify(request.uri().path())
        .and_then(|(provider, endpoint)| take(&mut sandbox.shared.lock().faults, provider, endpoint));
    let Some((kind, retry_after)) = kind else {
        return next.run(request).await;
    };
    tracing::info!(path = %request.uri().path(), ?kind, "sandbox: injecting a fault");
    match kind {
        Kind::ServerError => html(
            StatusCode::INTERNAL_SERVER_ERROR,
            "<html><head><title>500 Internal Server Error</title></head><body><h1>Internal Server Error</h1><p>The server encountered an unexpected condition.</p></body></html>",
        ),
        Kind::Garbage => (StatusCode::OK, [(header::CONTENT_TYPE, "application/json")], garbage(request.uri().path()))
            .into_response(),
        Kind::Timeout => {
            tokio::time::sleep(Duration::from_secs(30)).await;
            html(StatusCode::GATEWAY_TIMEOUT, "<html><body><h1>504 Gateway Time-out</h1></body></html>")
        }
        Kind::RateLimited => (
            StatusCode::TOO_MANY_REQUESTS,
            [(header::RETRY_AFTER, retry_after.to_string())],
            axum::Json(serde_json::json!({
                "error": "rate_limited",
                "message": format!("Too many requests; retry after {retry_after} seconds."),
            })),
        )
            .into_response(),
    }
}

/// A 200 whose body is not JSON: for the CRM stand-ins' pages, JSON cut off mid-record (a
/// truncated page); elsewhere an HTML error page.
fn garbage(path: &str) -> &'static str {
    if path.starts_with("/hubspot/crm/") {
        "{\"results\":[{\"id\":\"1\",\"properties\":{\"email\":\"ava.smith0@exam"
    } else if path.starts_with("/stripe/v1/") && path != "/stripe/v1/account" {
        "{\"object\":\"list\",\"data\":[{\"id\":\"cus_"
    } else {
        "<!DOCTYPE html><html><body>Service temporarily unavailable"
    }
}

fn html(status: StatusCode, body: &'static str) -> Response {
    (status, [(header::CONTENT_TYPE, "text/html; charset=utf-8")], body).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_map_to_endpoints() {
        assert_eq!(classify("/hubspot/oauth/token"), Some(("hubspot", Endpoint::Token)));
        assert_eq!(classify("/paypal/v1/oauth2/token"), Some(("paypal", Endpoint::Token)));
        assert_eq!(classify("/hubspot/account-info/v3/details"), Some(("hubspot", Endpoint::Api)));
        assert_eq!(classify("/hubspot/oauth/authorize"), None);
        assert_eq!(classify("/_sandbox/faults"), None);
    }

    #[test]
    fn faults_are_used_up_in_order() {
        let mut q = vec![Fault {
            provider: "xero".into(),
            endpoint: Endpoint::Api,
            kind: Kind::Garbage,
            count: 2,
            retry_after_secs: 2,
        }];
        assert_eq!(take(&mut q, "xero", Endpoint::Token), None);
        assert_eq!(take(&mut q, "xero", Endpoint::Api), Some((Kind::Garbage, 2)));
        assert_eq!(take(&mut q, "xero", Endpoint::Api), Some((Kind::Garbage, 2)));
        assert_eq!(take(&mut q, "xero", Endpoint::Api), None);
        assert!(q.is_empty());
    }
}

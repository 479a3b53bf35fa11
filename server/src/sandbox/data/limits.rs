//! Per-provider rate limit (a rolling ten-second window) and added latency for the CRM
//! stand-ins, set with `POST /_sandbox/{hubspot|stripe}/settings`, enforced by a middleware in
//! front of their API routes. Over the limit: each provider's own 429 body and headers.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::super::Sandbox;

const WINDOW: Duration = Duration::from_secs(10);

#[derive(Debug, Default, Clone, serde::Serialize)]
pub struct Settings {
    pub rate_limit_per_10s: Option<u32>,
    pub latency_ms: u64,
}

#[derive(Debug, Default)]
struct Limiter {
    settings: Settings,
    recent: VecDeque<Instant>,
}

#[derive(Debug, Default)]
pub struct Limits(Mutex<HashMap<&'static str, Limiter>>);

/// What one request is allowed: either go on (with the budget left) or wait this long.
enum Verdict {
    Go { max: u32, remaining: u32 },
    Unlimited,
    Wait { max: u32, retry_after_secs: u64 },
}

impl Limits {
    pub fn set(&self, provider: &'static str, settings: Settings) {
        let mut all = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        let limiter = all.entry(provider).or_default();
        limiter.settings = settings;
        limiter.recent.clear();
    }

    fn admit(&self, provider: &'static str, now: Instant) -> (u64, Verdict) {
        let mut all = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        let limiter = all.entry(provider).or_default();
        let latency = limiter.settings.latency_ms;
        let Some(max) = limiter.settings.rate_limit_per_10s else {
            return (latency, Verdict::Unlimited);
        };
        while limiter.recent.front().is_some_and(|t| now.duration_since(*t) >= WINDOW) {
            limiter.recent.pop_front();
        }
        let used = u32::try_from(limiter.recent.len()).unwrap_or(u32::MAX);
        if used >= max {
            let oldest = limiter.recent.front().copied().unwrap_or(now);
            let wait = WINDOW.saturating_sub(now.duration_since(oldest));
            let retry_after_secs = wait.as_millis().div_ceil(1000).max(1) as u64;
            return (latency, Verdict::Wait { max, retry_after_secs });
        }
        limiter.recent.push_back(now);
        (latency, Verdict::Go { max, remaining: max - used - 1 })
    }
}

fn provider_of(path: &str) -> Option<&'static str> {
    if path.starts_with("/hubspot/") {
        Some("hubspot")
    } else if path.starts_with("/stripe/") {
        Some("stripe")
    } else {
        None
    }
}

/// The middleware: latency first, then the rate limit.
pub async fn enforce(State(sandbox): State<Arc<Sandbox>>, request: Request, next: Next) -> Response {
    let Some(provider) = provider_of(request.uri().path()) else {
        return next.run(request).await;
    };
    let (latency, verdict) = sandbox.crm.limits.admit(provider, Instant::now());
    if latency > 0 {
        tokio::time::sleep(Duration::from_millis(latency)).await;
    }
    match verdict {
        Verdict::Unlimited => next.run(request).await,
        Verdict::Go { max, remaining } => {
            let mut response = next.run(request).await;
            if provider == "hubspot" {
                hubspot_headers(&mut response, max, remaining);
            }
            response
        }
        Verdict::Wait { max, retry_after_secs } => too_many(provider, max, retry_after_secs),
    }
}

fn hubspot_headers(response: &mut Response, max: u32, remaining: u32) {
    let h = response.headers_mut();
    h.insert("X-HubSpot-RateLimit-Max", HeaderValue::from(max));
    h.insert("X-HubSpot-RateLimit-Remaining", HeaderValue::from(remaining));
    h.insert("X-HubSpot-RateLimit-Interval-Milliseconds", HeaderValue::from(10_000u32));
}

fn too_many(provider: &str, max: u32, retry_after_secs: u64) -> Response {
    let body = if provider == "hubspot" {
        json!({
            "status": "error",
            "message": "You have reached your ten_secondly_rolling limit.",
            "errorType": "RATE_LIMIT",
            "correlationId": super::correlation_id(),
            "policyName": "TEN_SECONDLY_ROLLING",
            "category": "RATE_LIMITS",
        })
    } else {
        json!({"error": {
            "code": "rate_limit",
            "doc_url": "https://stripe.com/docs/error-codes/rate-limit",
            "message": "Request rate limit exceeded. Learn more about rate limits here https://stripe.com/docs/rate-limits.",
            "type": "invalid_request_error",
        }})
    };
    let mut response = (StatusCode::TOO_MANY_REQUESTS, axum::Json(body)).into_response();
    response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(retry_after_secs));
    if provider == "hubspot" {
        hubspot_headers(&mut response, max, 0);
    } else {
        response.headers_mut().insert("Stripe-Should-Retry", HeaderValue::from_static("true"));
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_window_rolls() {
        let limits = Limits::default();
        limits.set("hubspot", Settings { rate_limit_per_10s: Some(2), latency_ms: 0 });
        let t0 = Instant::now();
        assert!(matches!(limits.admit("hubspot", t0).1, Verdict::Go { remaining: 1, .. }));
        assert!(matches!(limits.admit("hubspot", t0).1, Verdict::Go { remaining: 0, .. }));
        assert!(matches!(limits.admit("hubspot", t0).1, Verdict::Wait { retry_after_secs: 10, .. }));
        assert!(matches!(limits.admit("hubspot", t0 + WINDOW).1, Verdict::Go { .. }));
        assert!(matches!(limits.admit("stripe", t0).1, Verdict::Unlimited));
    }
}

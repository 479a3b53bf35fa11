//! Inbound webhooks (`/hooks/{endpoint}`): the pure verification and parsing layer, and
//! the ingest behind the route.
//!
//! [`verify`] authenticates a request with the provider's own signature scheme, checks
//! freshness, parses the JSON body and extracts the provider event ids used for dedupe.
//! No HTTP and no storage there: the route wires this to the endpoint row, persists the
//! event before answering 2xx and triggers the recipe. The two runtime pieces the route
//! uses live beside it: [`EndpointCache`] (endpoint rows by id, in memory) and [`Ingest`]
//! (the group-commit writer that stores deliveries and queues their runs).
//!
//! Order of checks, and why:
//! 1. body size, first, so an oversized body costs nothing more than its length;
//! 2. signature, before the body is parsed, so unauthenticated input is never parsed;
//! 3. timestamp tolerance, after the signature, so `Stale` in the logs means an
//!    authentic-but-replayed (or clock-skewed) delivery rather than noise;
//! 4. JSON shape and event ids.

mod endpoints;
mod generic;
mod hubspot;
mod ingest;
mod request;
mod secret;
mod stripe;
#[cfg(test)]
mod tests;

use axum::http::{HeaderMap, StatusCode};
use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use subtle::ConstantTimeEq;

pub use endpoints::{DEFAULT_CAPACITY as ENDPOINT_CACHE_CAPACITY, EndpointCache};
pub use generic::{
    GENERIC_EVENT_ID_HEADER, GENERIC_EVENT_TYPE_HEADER, GENERIC_SIGNATURE_HEADER, GENERIC_TIMESTAMP_HEADER,
    sign_generic,
};
pub use hubspot::{HUBSPOT_SIGNATURE_HEADER, HUBSPOT_TIMESTAMP_HEADER, decode_hubspot_uri, sign_hubspot_v3};
pub use ingest::{Ingest, IngestError, MAX_GROUP, writers_for};
pub use request::{EndpointField, EndpointProblem, EndpointRequest, MAX_SECRET_LEN, MIN_SECRET_LEN, SCHEME_NAMES};
pub use secret::generate_endpoint_secret;
pub use stripe::{STRIPE_SIGNATURE_HEADER, sign_stripe};

/// Largest body accepted by default (1 MiB); providers' events are far smaller.
pub const DEFAULT_MAX_BODY_BYTES: usize = 1024 * 1024;
/// Default allowed distance between a signed timestamp and now, both ways (Stripe's 300 s).
pub const DEFAULT_TOLERANCE_SECS: i64 = 300;
/// Longest event id kept; longer ones are refused rather than truncated (truncation
/// could make two distinct events collide in dedupe).
pub const MAX_EVENT_ID_LEN: usize = 255;

/// How a webhook endpoint authenticates its deliveries; stored on the endpoint as JSON,
/// e.g. `{"scheme":"stripe"}` or `{"scheme":"generic","event_id_pointer":"/id"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "scheme", rename_all = "snake_case")]
pub enum Scheme {
    /// `Stripe-Signature: t=…,v1=…`, keyed with the endpoint's `whsec_…` secret.
    Stripe,
    /// `X-HubSpot-Signature-v3` + `X-HubSpot-Request-Timestamp`, keyed with the app's
    /// client secret.
    HubspotV3,
    /// Hitch's own `X-Hitch-Signature: sha256=<hex>` for the HTTP connector and any system.
    Generic {
        /// RFC 6901 pointer to the event id in the body (e.g. `/id`).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        event_id_pointer: Option<String>,
    },
}

impl Scheme {
    /// The scheme a provider's webhooks use: Stripe and HubSpot sign their own way;
    /// everything else (the HTTP connector included) uses the generic HMAC header.
    pub fn for_provider(provider_id: &str) -> Scheme {
        match provider_id {
            "stripe" => Scheme::Stripe,
            "hubspot" => Scheme::HubspotV3,
            _ => Scheme::Generic { event_id_pointer: None },
        }
    }

    /// Checks settings a user typed, so a bad pointer is refused when the endpoint is
    /// saved instead of silently never matching.
    pub fn validate(&self) -> Result<(), String> {
        match self {
            Scheme::Generic { event_id_pointer: Some(p) } if !p.is_empty() && !p.starts_with('/') => {
                Err("event id pointer must be a JSON pointer starting with '/', e.g. /id".into())
            }
            Scheme::Generic { event_id_pointer: Some(p) } if p.len() > 200 => {
                Err("event id pointer is too long".into())
            }
            _ => Ok(()),
        }
    }
}

/// One delivery as received; `url` is the full public URL the provider called (scheme,
/// host, path and query exactly as configured at the provider), which HubSpot signs.
#[derive(Debug, Clone, Copy)]
pub struct InboundRequest<'a> {
    /// HTTP method as sent, e.g. `POST`.
    pub method: &'a str,
    /// Full public URL, e.g. `https://hitch.example.com/hooks/ep_123?x=1`.
    pub url: &'a str,
    /// Request headers (names are case-insensitive).
    pub headers: &'a HeaderMap,
    /// The raw body, byte for byte: signatures are over these bytes, never re-serialised JSON.
    pub body: &'a [u8],
}

/// Limits for [`verify_with`]; [`Default`] gives 1 MiB and 300 s.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VerifyOptions {
    /// Bodies longer than this are refused before anything else is looked at.
    pub max_body_bytes: usize,
    /// Allowed age (and future skew) of a signed timestamp, in seconds.
    pub tolerance_secs: i64,
}

impl Default for VerifyOptions {
    fn default() -> Self {
        VerifyOptions { max_body_bytes: DEFAULT_MAX_BODY_BYTES, tolerance_secs: DEFAULT_TOLERANCE_SECS }
    }
}

/// An authenticated delivery.
#[derive(Debug, Clone, PartialEq)]
pub struct Verified {
    /// Provider event ids for dedupe, one per event in the delivery (HubSpot batches);
    /// never empty, no duplicates, each at most [`MAX_EVENT_ID_LEN`] bytes.
    pub event_ids: Vec<String>,
    /// Event type (`customer.created`, `contact.creation`, …) when the provider says.
    pub kind: Option<String>,
    /// The parsed body: a JSON object or array.
    pub payload: serde_json::Value,
}

/// Why a delivery was refused. Messages are fit to log: they never contain the secret,
/// the expected signature or attacker-supplied header values.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Rejection {
    /// The signature header (or a header it depends on, like HubSpot's timestamp) is absent.
    #[error("webhook signature header missing")]
    MissingSignature,
    /// A signature is present but none matches this body with this endpoint's secret.
    #[error("webhook signature does not match")]
    BadSignature,
    /// Authentic signature, but its timestamp is outside the tolerance; negative = future.
    #[error("{}", stale_message(*age_secs))]
    Stale {
        /// Now minus the signed timestamp, in seconds.
        age_secs: i64,
    },
    /// The request is not shaped like this provider's deliveries.
    #[error("malformed webhook: {0}")]
    Malformed(String),
    /// The body is not a JSON object or array.
    #[error("webhook body is not a JSON object or array")]
    NotJson,
    /// The body exceeds the size limit.
    #[error("webhook body exceeds {limit} bytes")]
    TooLarge {
        /// The limit that was exceeded, in bytes.
        limit: usize,
    },
}

fn stale_message(age_secs: i64) -> String {
    if age_secs >= 0 {
        format!("webhook signature timestamp is {age_secs} s old (replay or clock skew)")
    } else {
        format!("webhook signature timestamp is {} s in the future (clock skew)", age_secs.unsigned_abs())
    }
}

impl Rejection {
    /// The HTTP answer: 401 for anything about the signature (the contract),
    /// 413 for size, 400 for a body or header that is not the provider's shape.
    pub fn status(&self) -> StatusCode {
        match self {
            Rejection::MissingSignature | Rejection::BadSignature | Rejection::Stale { .. } => StatusCode::UNAUTHORIZED,
            Rejection::TooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            Rejection::Malformed(_) | Rejection::NotJson => StatusCode::BAD_REQUEST,
        }
    }
}

/// Verifies a delivery with the default limits (1 MiB body, 300 s tolerance).
pub fn verify(
    scheme: &Scheme,
    secret: &[u8],
    req: &InboundRequest<'_>,
    now: DateTime<Utc>,
) -> Result<Verified, Rejection> {
    verify_with(scheme, secret, req, now, &VerifyOptions::default())
}

/// Verifies a delivery: size, signature, freshness, JSON, event ids (in that order).
pub fn verify_with(
    scheme: &Scheme,
    secret: &[u8],
    req: &InboundRequest<'_>,
    now: DateTime<Utc>,
    opts: &VerifyOptions,
) -> Result<Verified, Rejection> {
    if req.body.len() > opts.max_body_bytes {
        return Err(Rejection::TooLarge { limit: opts.max_body_bytes });
    }
    // An empty key would let anyone compute a valid HMAC: fail closed.
    if secret.is_empty() {
        return Err(Rejection::Malformed("endpoint has no signing secret".into()));
    }
    match scheme {
        Scheme::Stripe => stripe::verify(secret, req, now, opts.tolerance_secs),
        Scheme::HubspotV3 => hubspot::verify(secret, req, now, opts.tolerance_secs),
        Scheme::Generic { event_id_pointer } => {
            generic::verify(secret, req, now, opts.tolerance_secs, event_id_pointer.as_deref())
        }
    }
}

/// The single value of a header. Two values are refused: which one was signed would be
/// ambiguous, and real providers send one.
fn header<'h>(headers: &'h HeaderMap, name: &str, label: &str) -> Result<Option<&'h str>, Rejection> {
    let mut values = headers.get_all(name).iter();
    let Some(first) = values.next() else { return Ok(None) };
    if values.next().is_some() {
        return Err(Rejection::Malformed(format!("{label} header sent more than once")));
    }
    first.to_str().map(|v| Some(v.trim())).map_err(|_| Rejection::Malformed(format!("{label} header is not ASCII")))
}

/// HMAC-SHA256 over the concatenation of `parts`. `None` only if the MAC refuses the
/// key, which HMAC never does; callers fail closed on it rather than panic.
fn hmac_sha256(key: &[u8], parts: &[&[u8]]) -> Option<[u8; 32]> {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).ok()?;
    for part in parts {
        mac.update(part);
    }
    Some(mac.finalize().into_bytes().into())
}

/// Constant-time "does any candidate equal the expected MAC"; every candidate is
/// compared so timing reveals neither which matched nor how much of one did.
fn any_matches(expected: &[u8; 32], candidates: &[Vec<u8>]) -> bool {
    let hit = candidates.iter().fold(subtle::Choice::from(0), |acc, c| acc | expected.as_slice().ct_eq(c));
    bool::from(hit)
}

/// A Unix timestamp header: ASCII digits only, so `+5`, `1e9` or spaces inside are refused
/// instead of being read differently from how the sender signed them.
fn parse_timestamp(value: &str, label: &str) -> Result<i64, Rejection> {
    if value.is_empty() || value.len() > 18 || !value.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Rejection::Malformed(format!("{label} is not a Unix timestamp")));
    }
    value.parse().map_err(|_| Rejection::Malformed(format!("{label} is not a Unix timestamp")))
}

/// Rejects a signed time more than `tolerance_secs` away from now, in either direction.
fn check_fresh(age_ms: i128, tolerance_secs: i64) -> Result<(), Rejection> {
    if age_ms.unsigned_abs() > i128::from(tolerance_secs).unsigned_abs() * 1000 {
        let secs = (age_ms / 1000).clamp(i128::from(i64::MIN), i128::from(i64::MAX));
        return Err(Rejection::Stale { age_secs: i64::try_from(secs).unwrap_or(i64::MAX) });
    }
    Ok(())
}

/// The body as JSON; only objects and arrays count, since every provider sends those and
/// a bare string or number is not an event.
fn parse_json(body: &[u8]) -> Result<serde_json::Value, Rejection> {
    match serde_json::from_slice::<serde_json::Value>(body) {
        Ok(v @ (serde_json::Value::Object(_) | serde_json::Value::Array(_))) => Ok(v),
        _ => Err(Rejection::NotJson),
    }
}

/// An event id fit for a unique index: non-empty, bounded, no control characters.
fn event_id(raw: &str, what: &str) -> Result<String, Rejection> {
    if raw.is_empty() || raw.len() > MAX_EVENT_ID_LEN || raw.chars().any(char::is_control) {
        return Err(Rejection::Malformed(format!("{what} must be 1-{MAX_EVENT_ID_LEN} printable characters")));
    }
    Ok(raw.to_string())
}

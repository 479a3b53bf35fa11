//! Hitch's own scheme, for the HTTP connector and any system that can compute an HMAC:
//! `X-Hitch-Signature: sha256=<hex HMAC-SHA256(secret, signed)>` where `signed` is the
//! raw body, or `{X-Hitch-Timestamp}.{raw body}` when that header (Unix seconds) is sent —
//! which then also bounds replays to the tolerance window.
//!
//! Event id, first found: the endpoint's JSON pointer into the body, the
//! `X-Hitch-Event-Id` header, else `sha256:<hex of the body>` so a replayed body is a
//! duplicate. The header is not covered by the signature: a captured delivery could be
//! resent with a new id, so senders that can should put the id in the body (pointer)
//! and send a timestamp.

use chrono::{DateTime, Utc};
use serde_json::Value;
use sha2::{Digest, Sha256};

use super::{
    InboundRequest, Rejection, Verified, any_matches, check_fresh, event_id, header, hmac_sha256, parse_json,
    parse_timestamp,
};

/// Signature header: `sha256=<hex>`.
pub const GENERIC_SIGNATURE_HEADER: &str = "x-hitch-signature";
/// Optional signed timestamp, Unix seconds.
pub const GENERIC_TIMESTAMP_HEADER: &str = "x-hitch-timestamp";
/// Optional event id, used when the endpoint has no pointer (or it finds nothing).
pub const GENERIC_EVENT_ID_HEADER: &str = "x-hitch-event-id";
/// Optional event type; otherwise the body's top-level `type` string.
pub const GENERIC_EVENT_TYPE_HEADER: &str = "x-hitch-event-type";

const PREFIX: &str = "sha256=";

/// An `X-Hitch-Signature` value for `body`; with `Some(timestamp)` the same timestamp
/// must be sent as `X-Hitch-Timestamp`.
pub fn sign_generic(secret: &[u8], body: &[u8], timestamp: Option<i64>) -> String {
    let mac = match timestamp {
        Some(ts) => hmac_sha256(secret, &[ts.to_string().as_bytes(), b".", body]),
        None => hmac_sha256(secret, &[body]),
    };
    format!("{PREFIX}{}", mac.map(hex::encode).unwrap_or_default())
}

/// Verifies a generic delivery; see the module docs for the id rules.
pub(super) fn verify(
    secret: &[u8],
    req: &InboundRequest<'_>,
    now: DateTime<Utc>,
    tolerance_secs: i64,
    event_id_pointer: Option<&str>,
) -> Result<Verified, Rejection> {
    let sig = header(req.headers, GENERIC_SIGNATURE_HEADER, "X-Hitch-Signature")?.ok_or(Rejection::MissingSignature)?;
    let Some(hex_sig) = sig.strip_prefix(PREFIX) else {
        return Err(Rejection::Malformed("X-Hitch-Signature must be sha256=<hex>".into()));
    };
    let given = hex::decode(hex_sig).map_err(|_| Rejection::BadSignature)?;
    let ts = header(req.headers, GENERIC_TIMESTAMP_HEADER, "X-Hitch-Timestamp")?;
    let t = ts.map(|ts| parse_timestamp(ts, "X-Hitch-Timestamp")).transpose()?;
    let expected = match ts {
        // The header string as sent is what the sender signed.
        Some(ts) => hmac_sha256(secret, &[ts.as_bytes(), b".", req.body]),
        None => hmac_sha256(secret, &[req.body]),
    }
    .ok_or(Rejection::BadSignature)?;
    if !any_matches(&expected, &[given]) {
        return Err(Rejection::BadSignature);
    }
    if let Some(t) = t {
        check_fresh((i128::from(now.timestamp()) - i128::from(t)) * 1000, tolerance_secs)?;
    }

    let payload = parse_json(req.body)?;
    let id = match pointed_id(&payload, event_id_pointer) {
        Some(id) => event_id(&id, "event id at the configured pointer")?,
        None => match header(req.headers, GENERIC_EVENT_ID_HEADER, "X-Hitch-Event-Id")? {
            Some(id) => event_id(id, "X-Hitch-Event-Id")?,
            None => format!("sha256:{}", hex::encode(Sha256::digest(req.body))),
        },
    };
    let kind = match header(req.headers, GENERIC_EVENT_TYPE_HEADER, "X-Hitch-Event-Type")? {
        Some(k) if !k.is_empty() => Some(k.to_string()),
        _ => payload.get("type").and_then(Value::as_str).map(str::to_string),
    };
    Ok(Verified { event_ids: vec![id], kind, payload })
}

/// The id at the pointer when it is a string or an integer; anything else (absent, null,
/// an object) falls through to the next source rather than refusing the event, since a
/// sender's payload shape is not always under the user's control.
fn pointed_id(payload: &Value, pointer: Option<&str>) -> Option<String> {
    match payload.pointer(pointer?)? {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) if n.is_u64() || n.is_i64() => Some(n.to_string()),
        _ => None,
    }
}

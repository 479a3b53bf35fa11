//! Stripe's scheme (docs.stripe.com/webhooks, "verify manually"):
//! `Stripe-Signature: t=<unix seconds>,v1=<hex>[,v1=<hex>…][,v0=…]`, where each `v1` is
//! HMAC-SHA256(endpoint secret, `{t}.{raw body}`). Several `v1` appear while a secret is
//! being rolled, so any one matching is enough; `v0` (test-mode legacy) is ignored.

use chrono::{DateTime, Utc};
use serde_json::Value;

use super::{
    InboundRequest, Rejection, Verified, any_matches, check_fresh, event_id, header, hmac_sha256, parse_json,
    parse_timestamp,
};

/// The header Stripe signs deliveries with (lowercase, as `HeaderMap` stores names).
pub const STRIPE_SIGNATURE_HEADER: &str = "stripe-signature";
const LABEL: &str = "Stripe-Signature";

/// A `Stripe-Signature` value for `body` sent at Unix second `t`. The whole `whsec_…`
/// string is the key, exactly as Stripe's libraries use it.
pub fn sign_stripe(secret: &[u8], t: i64, body: &[u8]) -> String {
    let t = t.to_string();
    let sig = hmac_sha256(secret, &[t.as_bytes(), b".", body]).map(hex::encode).unwrap_or_default();
    format!("t={t},v1={sig}")
}

/// The parts of a `Stripe-Signature` header we use.
struct Header<'a> {
    /// The timestamp exactly as sent, since that string is what was signed.
    t: &'a str,
    /// Every `v1` value, hex-decoded; undecodable ones are dropped (they cannot match).
    v1: Vec<Vec<u8>>,
}

fn parse_header(value: &str) -> Result<Header<'_>, Rejection> {
    let mut t = None;
    let mut v1 = Vec::new();
    let mut saw_v1 = false;
    for item in value.split(',') {
        // Items without `=` and unknown schemes are skipped, as Stripe's libraries do, so
        // a scheme Stripe adds later does not break verification.
        let Some((key, val)) = item.trim().split_once('=') else { continue };
        match key {
            "t" if t.is_some() => {
                return Err(Rejection::Malformed(format!("{LABEL} has more than one timestamp")));
            }
            "t" => t = Some(val),
            "v1" => {
                saw_v1 = true;
                if let Ok(bytes) = hex::decode(val) {
                    v1.push(bytes);
                }
            }
            _ => {}
        }
    }
    let Some(t) = t else {
        return Err(Rejection::Malformed(format!("{LABEL} has no timestamp")));
    };
    if !saw_v1 {
        // Only v0 (or nothing) means no signature we are allowed to check.
        return Err(Rejection::MissingSignature);
    }
    Ok(Header { t, v1 })
}

/// Verifies a Stripe delivery and returns the event (`id` = `evt_…`, `type`).
pub(super) fn verify(
    secret: &[u8],
    req: &InboundRequest<'_>,
    now: DateTime<Utc>,
    tolerance_secs: i64,
) -> Result<Verified, Rejection> {
    let value = header(req.headers, STRIPE_SIGNATURE_HEADER, LABEL)?.ok_or(Rejection::MissingSignature)?;
    let parsed = parse_header(value)?;
    let t = parse_timestamp(parsed.t, "Stripe-Signature timestamp")?;

    let expected = hmac_sha256(secret, &[parsed.t.as_bytes(), b".", req.body]).ok_or(Rejection::BadSignature)?;
    if !any_matches(&expected, &parsed.v1) {
        return Err(Rejection::BadSignature);
    }
    // Whole seconds, like Stripe's libraries, so the boundary behaves the same as theirs.
    check_fresh((i128::from(now.timestamp()) - i128::from(t)) * 1000, tolerance_secs)?;

    let payload = parse_json(req.body)?;
    let id = payload
        .get("id")
        .and_then(Value::as_str)
        .ok_or_else(|| Rejection::Malformed("Stripe event has no string `id`".into()))?;
    let id = event_id(id, "Stripe event id")?;
    let kind = payload.get("type").and_then(Value::as_str).map(str::to_string);
    Ok(Verified { event_ids: vec![id], kind, payload })
}

//! HubSpot's v3 scheme (developers.hubspot.com, "Validating requests"):
//! `X-HubSpot-Signature-v3` = base64(HMAC-SHA256(app client secret,
//! method + decoded URI + raw body + timestamp)), with `X-HubSpot-Request-Timestamp` in
//! Unix milliseconds; requests older than 5 minutes are refused. A delivery is a JSON
//! array of events, each with a numeric `eventId`.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chrono::{DateTime, Utc};
use serde_json::Value;

use super::{
    InboundRequest, Rejection, Verified, any_matches, check_fresh, event_id, header, hmac_sha256, parse_json,
    parse_timestamp,
};

/// HubSpot's v3 signature header (lowercase, as `HeaderMap` stores names).
pub const HUBSPOT_SIGNATURE_HEADER: &str = "x-hubspot-signature-v3";
/// HubSpot's request timestamp header, Unix milliseconds.
pub const HUBSPOT_TIMESTAMP_HEADER: &str = "x-hubspot-request-timestamp";

/// The percent-encodings HubSpot's doc says to decode in the URI before signing — this
/// list and no other (`%20`, `%26`, `%3D`… stay encoded).
const DECODED: [u8; 12] = [b':', b'/', b'?', b'@', b'!', b'$', b'\'', b'(', b')', b'*', b',', b';'];

/// The URI as HubSpot signs it: `%3A %2F %3F %40 %21 %24 %27 %28 %29 %2A %2C %3B` decoded
/// to `: / ? @ ! $ ' ( ) * , ;`, everything else untouched. Hex digits match in either
/// case (RFC 3986 makes `%3a` and `%3A` the same octet). One left-to-right pass, so
/// `%253A` becomes `%253A`'s literal text, never a second-round `:`.
pub fn decode_hubspot_uri(url: &str) -> String {
    let bytes = url.as_bytes();
    let mut out = String::with_capacity(url.len());
    let mut rest = url;
    let mut i = 0;
    while let Some(pos) = rest.find('%') {
        out.push_str(&rest[..pos]);
        let at = i + pos;
        let decoded = match (bytes.get(at + 1), bytes.get(at + 2)) {
            (Some(h), Some(l)) => hex_val(*h).zip(hex_val(*l)).map(|(h, l)| h * 16 + l).filter(|b| DECODED.contains(b)),
            _ => None,
        };
        match decoded {
            Some(b) => {
                out.push(char::from(b));
                i = at + 3;
            }
            None => {
                out.push('%');
                i = at + 1;
            }
        }
        rest = &url[i..];
    }
    out.push_str(rest);
    out
}

fn hex_val(b: u8) -> Option<u8> {
    char::from(b).to_digit(16).and_then(|d| u8::try_from(d).ok())
}

/// HubSpot's headers for a delivery: `(X-HubSpot-Signature-v3, X-HubSpot-Request-Timestamp)`.
pub fn sign_hubspot_v3(secret: &[u8], method: &str, url: &str, body: &[u8], ts_ms: i64) -> (String, String) {
    let ts = ts_ms.to_string();
    let sig = source_mac(secret, method, url, body, &ts).map(|m| STANDARD.encode(m)).unwrap_or_default();
    (sig, ts)
}

fn source_mac(secret: &[u8], method: &str, url: &str, body: &[u8], ts: &str) -> Option<[u8; 32]> {
    let uri = decode_hubspot_uri(url);
    hmac_sha256(secret, &[method.as_bytes(), uri.as_bytes(), body, ts.as_bytes()])
}

/// Verifies a HubSpot v3 delivery and returns one event id per event in the batch.
pub(super) fn verify(
    secret: &[u8],
    req: &InboundRequest<'_>,
    now: DateTime<Utc>,
    tolerance_secs: i64,
) -> Result<Verified, Rejection> {
    let sig = header(req.headers, HUBSPOT_SIGNATURE_HEADER, "X-HubSpot-Signature-v3")?;
    let ts = header(req.headers, HUBSPOT_TIMESTAMP_HEADER, "X-HubSpot-Request-Timestamp")?;
    // The timestamp is part of the signed string: without it nothing can be checked.
    let (Some(sig), Some(ts)) = (sig, ts) else { return Err(Rejection::MissingSignature) };
    let ts_ms = parse_timestamp(ts, "X-HubSpot-Request-Timestamp")?;

    let given = STANDARD.decode(sig).map_err(|_| Rejection::BadSignature)?;
    let expected = source_mac(secret, req.method, req.url, req.body, ts).ok_or(Rejection::BadSignature)?;
    if !any_matches(&expected, &[given]) {
        return Err(Rejection::BadSignature);
    }
    // HubSpot only says "older than 5 minutes"; far-future stamps are refused too, since
    // they would otherwise stay replayable for as long as they are ahead.
    check_fresh(i128::from(now.timestamp_millis()) - i128::from(ts_ms), tolerance_secs)?;

    let payload = parse_json(req.body)?;
    let Some(events) = payload.as_array() else {
        return Err(Rejection::Malformed("HubSpot delivery is not an array of events".into()));
    };
    if events.is_empty() {
        return Err(Rejection::Malformed("HubSpot delivery has no events".into()));
    }
    let mut event_ids: Vec<String> = Vec::with_capacity(events.len());
    for event in events {
        let id = match event.get("eventId") {
            Some(Value::Number(n)) if n.is_u64() || n.is_i64() => n.to_string(),
            _ => return Err(Rejection::Malformed("HubSpot event has no integer `eventId`".into())),
        };
        let id = event_id(&id, "HubSpot eventId")?;
        // HubSpot may repeat an event inside one batch; it is still one event.
        if !event_ids.contains(&id) {
            event_ids.push(id);
        }
    }
    Ok(Verified { event_ids, kind: common_kind(events), payload })
}

/// The batch's `subscriptionType` when every event shares it; a mixed batch has no
/// single kind, and naming only the first would mislead a recipe filter.
fn common_kind(events: &[Value]) -> Option<String> {
    let mut kinds = events.iter().map(|e| e.get("subscriptionType").and_then(Value::as_str));
    let first = kinds.next().flatten()?;
    kinds.all(|k| k == Some(first)).then(|| first.to_string())
}

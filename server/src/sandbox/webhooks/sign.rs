//! How the sandbox signs its deliveries, written from the providers' documents and kept apart
//! from Hitch's verifier (`crate::webhooks`) on purpose: a signer and a verifier that share
//! code agree by construction, which would prove nothing. Each is tested against a vector
//! computed outside Rust.
//!
//! - Stripe (docs.stripe.com/webhooks#verify-manually): `Stripe-Signature: t={t},v1={hex}`
//!   where `hex` = HMAC-SHA256(endpoint secret, "{t}.{body}"), `t` in Unix seconds.
//! - HubSpot (developers.hubspot.com, "Validating requests", v3): `X-HubSpot-Signature-v3`
//!   = base64(HMAC-SHA256(app client secret, method + URI + body + timestamp)) with
//!   `X-HubSpot-Request-Timestamp` = the same timestamp, Unix milliseconds.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// HMAC-SHA256 of the concatenated `message` parts: the sandbox's one HMAC (its id_tokens
/// use it too).
pub fn mac(key: &[u8], message: &[&[u8]]) -> Vec<u8> {
    // HMAC takes keys of any length, so this never fails; an empty MAC would only make the
    // receiver refuse what was signed, which is the safe way to be wrong.
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(key) else { return Vec::new() };
    for part in message {
        mac.update(part);
    }
    mac.finalize().into_bytes().to_vec()
}

/// The `Stripe-Signature` header value for `body` sent at Unix second `t`.
pub fn stripe(secret: &str, t: i64, body: &[u8]) -> String {
    let t = t.to_string();
    format!("t={t},v1={}", hex::encode(mac(secret.as_bytes(), &[t.as_bytes(), b".", body])))
}

/// The `X-HubSpot-Signature-v3` header value for a request to `uri` sent at `ts_ms`.
pub fn hubspot_v3(client_secret: &str, method: &str, uri: &str, body: &[u8], ts_ms: i64) -> String {
    let ts = ts_ms.to_string();
    STANDARD.encode(mac(client_secret.as_bytes(), &[method.as_bytes(), uri.as_bytes(), body, ts.as_bytes()]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stripe_matches_a_vector_computed_in_python() {
        // hmac.new(b"whsec_test_secret", b"1700000000." + body, hashlib.sha256).hexdigest()
        let body = br#"{"id":"evt_1","type":"customer.created","object":"event"}"#;
        assert_eq!(
            stripe("whsec_test_secret", 1_700_000_000, body),
            "t=1700000000,v1=9757d12ba1a434340afc993e5e4dceea876bad2caceb672532c2bdf0dd53c8be"
        );
    }

    #[test]
    fn hubspot_matches_the_official_sdk_vector() {
        // hubspot-api-python tests/spec/utils/test_signature.py, test_get_signature__v3.
        let sig = hubspot_v3(
            "yyyyyyyy-yyyy-yyyy-yyyy-yyyyyyyyyyyy",
            "POST",
            "https://www.example.com/webhook_uri",
            b"{'example_field':'example_value'}",
            15_000_000,
        );
        assert_eq!(sig, "HPW73RUtKmcYoEDADG0s6MmGFWUzWJKAW07r8RDgcQw=");
    }
}

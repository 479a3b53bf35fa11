//! Unit tests for the webhook verification layer, one file per scheme plus shared checks.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod generic;
mod hubspot;
mod stripe;

use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use chrono::{DateTime, TimeZone, Utc};

use super::*;

/// 2023-11-14T22:13:20Z, Unix 1_700_000_000.
pub(super) fn at(secs: i64) -> DateTime<Utc> {
    Utc.timestamp_opt(secs, 0).single().unwrap()
}
pub(super) const T0: i64 = 1_700_000_000;

pub(super) fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
    let mut map = HeaderMap::new();
    for (k, v) in pairs {
        map.append(HeaderName::from_bytes(k.as_bytes()).unwrap(), HeaderValue::from_str(v).unwrap());
    }
    map
}

pub(super) fn post<'a>(url: &'a str, headers: &'a HeaderMap, body: &'a [u8]) -> InboundRequest<'a> {
    InboundRequest { method: "POST", url, headers, body }
}

const GENERIC: Scheme = Scheme::Generic { event_id_pointer: None };

#[test]
fn oversized_body_is_refused_before_the_signature_is_looked_at() {
    let body = vec![b' '; DEFAULT_MAX_BODY_BYTES + 1];
    // No signature header at all: size still wins, so a huge unsigned body costs nothing.
    let h = HeaderMap::new();
    for scheme in [Scheme::Stripe, Scheme::HubspotV3, GENERIC] {
        let err = verify(&scheme, b"k", &post("https://h/hooks/e", &h, &body), at(T0)).unwrap_err();
        assert_eq!(err, Rejection::TooLarge { limit: DEFAULT_MAX_BODY_BYTES });
        assert_eq!(err.status(), StatusCode::PAYLOAD_TOO_LARGE);
    }
    // Exactly at the limit is allowed through to the signature check.
    let body = vec![b' '; DEFAULT_MAX_BODY_BYTES];
    let err = verify(&GENERIC, b"k", &post("https://h/hooks/e", &h, &body), at(T0)).unwrap_err();
    assert_eq!(err, Rejection::MissingSignature);
}

#[test]
fn custom_limits_apply() {
    let body = br#"{"id":"x"}"#;
    let h = headers(&[("x-hitch-signature", &sign_generic(b"k", body, Some(T0 - 20)))]);
    let mut h2 = h.clone();
    h2.insert("x-hitch-timestamp", HeaderValue::from_str(&(T0 - 20).to_string()).unwrap());
    let opts = VerifyOptions { max_body_bytes: 5, tolerance_secs: 10 };
    let req = post("https://h/hooks/e", &h2, body);
    assert_eq!(verify_with(&GENERIC, b"k", &req, at(T0), &opts), Err(Rejection::TooLarge { limit: 5 }));
    let opts = VerifyOptions { max_body_bytes: 100, tolerance_secs: 10 };
    assert_eq!(verify_with(&GENERIC, b"k", &req, at(T0), &opts), Err(Rejection::Stale { age_secs: 20 }));
    assert!(verify(&GENERIC, b"k", &req, at(T0)).is_ok());
}

#[test]
fn an_empty_secret_never_verifies() {
    // HMAC with an empty key is computable by anyone.
    let body = br#"{"a":1}"#;
    let h = headers(&[("x-hitch-signature", &sign_generic(b"", body, None))]);
    let err = verify(&GENERIC, b"", &post("https://h/hooks/e", &h, body), at(T0)).unwrap_err();
    assert!(matches!(err, Rejection::Malformed(_)));
}

#[test]
fn statuses_and_messages_fit_for_logs() {
    for r in [Rejection::MissingSignature, Rejection::BadSignature, Rejection::Stale { age_secs: 301 }] {
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED, "{r}");
    }
    assert_eq!(Rejection::NotJson.status(), StatusCode::BAD_REQUEST);
    assert_eq!(Rejection::Malformed("x".into()).status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        Rejection::Stale { age_secs: 400 }.to_string(),
        "webhook signature timestamp is 400 s old (replay or clock skew)"
    );
    assert_eq!(
        Rejection::Stale { age_secs: -400 }.to_string(),
        "webhook signature timestamp is 400 s in the future (clock skew)"
    );
    assert_eq!(Rejection::TooLarge { limit: 1048576 }.to_string(), "webhook body exceeds 1048576 bytes");
}

#[test]
fn rejections_never_echo_the_secret_or_the_expected_signature() {
    let secret = b"whsec_supersecretvalue";
    let body = br#"{"id":"evt_1"}"#;
    let expected = sign_stripe(secret, T0, body);
    let expected_hex = expected.split("v1=").nth(1).unwrap().to_string();
    let bad = format!("t={T0},v1={}", "0".repeat(64));
    let h = headers(&[("stripe-signature", &bad)]);
    let err = verify(&Scheme::Stripe, secret, &post("https://h/hooks/e", &h, body), at(T0)).unwrap_err();
    for text in [err.to_string(), format!("{err:?}")] {
        assert!(!text.contains("supersecret") && !text.contains(&expected_hex), "{text}");
    }
}

#[test]
fn duplicate_signature_headers_are_refused() {
    let body = br#"{"a":1}"#;
    let sig = sign_generic(b"k", body, None);
    let h = headers(&[("x-hitch-signature", &sig), ("x-hitch-signature", &sig)]);
    let err = verify(&GENERIC, b"k", &post("https://h/hooks/e", &h, body), at(T0)).unwrap_err();
    assert!(matches!(err, Rejection::Malformed(m) if m.contains("more than once")));
}

#[test]
fn scheme_serde_and_provider_defaults() {
    let json = |s: &Scheme| serde_json::to_string(s).unwrap();
    assert_eq!(json(&Scheme::Stripe), r#"{"scheme":"stripe"}"#);
    assert_eq!(json(&Scheme::HubspotV3), r#"{"scheme":"hubspot_v3"}"#);
    assert_eq!(json(&GENERIC), r#"{"scheme":"generic"}"#);
    let with = Scheme::Generic { event_id_pointer: Some("/data/id".into()) };
    assert_eq!(json(&with), r#"{"scheme":"generic","event_id_pointer":"/data/id"}"#);
    for s in [Scheme::Stripe, Scheme::HubspotV3, GENERIC, with] {
        assert_eq!(serde_json::from_str::<Scheme>(&json(&s)).unwrap(), s);
    }
    assert!(serde_json::from_str::<Scheme>(r#"{"scheme":"md5"}"#).is_err());

    assert_eq!(Scheme::for_provider("stripe"), Scheme::Stripe);
    assert_eq!(Scheme::for_provider("hubspot"), Scheme::HubspotV3);
    assert_eq!(Scheme::for_provider("http"), GENERIC);
    assert_eq!(Scheme::for_provider("postgres"), GENERIC);
}

#[test]
fn scheme_validation_refuses_pointers_that_could_never_match() {
    assert!(GENERIC.validate().is_ok());
    assert!(Scheme::Generic { event_id_pointer: Some("/id".into()) }.validate().is_ok());
    assert!(Scheme::Generic { event_id_pointer: Some("id".into()) }.validate().is_err());
    assert!(Scheme::Generic { event_id_pointer: Some(format!("/{}", "a".repeat(300))) }.validate().is_err());
}

#[test]
fn endpoint_secrets_are_random_and_shaped_per_scheme() {
    let a = generate_endpoint_secret(&Scheme::Stripe);
    let b = generate_endpoint_secret(&Scheme::Stripe);
    assert_ne!(a, b);
    let raw = a.strip_prefix("whsec_").unwrap();
    use base64::Engine;
    assert_eq!(base64::engine::general_purpose::STANDARD.decode(raw).unwrap().len(), 32);
    for scheme in [Scheme::HubspotV3, GENERIC] {
        let s = generate_endpoint_secret(&scheme);
        assert_eq!(s.len(), 64);
        assert!(s.bytes().all(|c| c.is_ascii_hexdigit()));
    }
    assert_ne!(generate_endpoint_secret(&GENERIC), generate_endpoint_secret(&GENERIC));
}

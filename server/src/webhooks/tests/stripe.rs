//! Stripe `Stripe-Signature` verification.

use super::*;

const SECRET: &[u8] = b"whsec_test_secret";
const BODY: &[u8] = br#"{"id":"evt_1","type":"customer.created","object":"event"}"#;
const URL: &str = "https://hitch.example.com/hooks/ep_1";

fn check(sig: &str, body: &[u8], now: i64) -> Result<Verified, Rejection> {
    let h = headers(&[("Stripe-Signature", sig)]);
    verify(&Scheme::Stripe, SECRET, &post(URL, &h, body), at(now))
}

#[test]
fn matches_an_independent_implementation() {
    // Computed with Python: hmac.new(b"whsec_test_secret", b"1700000000." + BODY, sha256).
    let expected = "9757d12ba1a434340afc993e5e4dceea876bad2caceb672532c2bdf0dd53c8be";
    assert_eq!(sign_stripe(SECRET, T0, BODY), format!("t={T0},v1={expected}"));
    let v = check(&format!("t={T0},v1={expected}"), BODY, T0).unwrap();
    assert_eq!(v.event_ids, vec!["evt_1".to_string()]);
    assert_eq!(v.kind.as_deref(), Some("customer.created"));
    assert_eq!(v.payload["object"], "event");
}

#[test]
fn round_trip_with_spaces_and_a_v0_entry() {
    // The docs show the header with spaces after commas; v0 is ignored.
    let v1 = sign_stripe(SECRET, T0, BODY);
    let sig = format!("{}, v0={}", v1.replace(',', ", "), "ab".repeat(32));
    assert!(check(&sig, BODY, T0 + 10).is_ok());
}

#[test]
fn wrong_secret_and_tampered_body_are_bad_signatures() {
    let other = sign_stripe(b"whsec_other", T0, BODY);
    assert_eq!(check(&other, BODY, T0), Err(Rejection::BadSignature));
    let good = sign_stripe(SECRET, T0, BODY);
    let mut tampered = BODY.to_vec();
    tampered[11] ^= 1; // "evt_1" -> "evt_0"
    assert_eq!(check(&good, &tampered, T0), Err(Rejection::BadSignature));
    // The timestamp is signed too: moving it breaks the signature.
    let moved = good.replace(&format!("t={T0}"), &format!("t={}", T0 + 1));
    assert_eq!(check(&moved, BODY, T0), Err(Rejection::BadSignature));
    // Garbage hex cannot match.
    assert_eq!(check(&format!("t={T0},v1=zz"), BODY, T0), Err(Rejection::BadSignature));
}

#[test]
fn any_one_of_several_v1_signatures_is_enough() {
    // Stripe sends one v1 per active secret while a secret is being rolled.
    let good = sign_stripe(SECRET, T0, BODY);
    let good_hex = good.split("v1=").nth(1).unwrap();
    let old = sign_stripe(b"whsec_old", T0, BODY);
    let old_hex = old.split("v1=").nth(1).unwrap();
    assert!(check(&format!("t={T0},v1={old_hex},v1={good_hex}"), BODY, T0).is_ok());
    assert!(check(&format!("t={T0},v1={good_hex},v1={old_hex}"), BODY, T0).is_ok());
    assert_eq!(check(&format!("t={T0},v1={old_hex},v1={old_hex}"), BODY, T0), Err(Rejection::BadSignature));
}

#[test]
fn stale_and_future_timestamps_are_refused_after_a_valid_signature() {
    let sig = sign_stripe(SECRET, T0, BODY);
    assert!(check(&sig, BODY, T0 + 300).is_ok());
    assert!(check(&sig, BODY, T0 - 300).is_ok());
    assert_eq!(check(&sig, BODY, T0 + 301), Err(Rejection::Stale { age_secs: 301 }));
    assert_eq!(check(&sig, BODY, T0 - 301), Err(Rejection::Stale { age_secs: -301 }));
    assert_eq!(check(&sig, BODY, T0 + 86_400), Err(Rejection::Stale { age_secs: 86_400 }));
}

#[test]
fn missing_or_unusable_headers() {
    let h = HeaderMap::new();
    assert_eq!(verify(&Scheme::Stripe, SECRET, &post(URL, &h, BODY), at(T0)), Err(Rejection::MissingSignature));
    // Only the legacy v0 scheme: nothing we may check.
    assert_eq!(check(&format!("t={T0},v0=abcd"), BODY, T0), Err(Rejection::MissingSignature));
    let v1 = sign_stripe(SECRET, T0, BODY);
    let hex = v1.split("v1=").nth(1).unwrap();
    assert!(matches!(check(&format!("v1={hex}"), BODY, T0), Err(Rejection::Malformed(_))));
    assert!(matches!(check(&format!("t=abc,v1={hex}"), BODY, T0), Err(Rejection::Malformed(_))));
    assert!(matches!(check(&format!("t=+{T0},v1={hex}"), BODY, T0), Err(Rejection::Malformed(_))));
    assert!(matches!(check(&format!("t={T0},t={T0},v1={hex}"), BODY, T0), Err(Rejection::Malformed(_))));
}

#[test]
fn signed_but_not_json_or_without_an_id() {
    for body in [&b"not json"[..], b"\"evt_1\"", b"42", b""] {
        assert_eq!(check(&sign_stripe(SECRET, T0, body), body, T0), Err(Rejection::NotJson), "{body:?}");
    }
    for body in [&br#"{"type":"x"}"#[..], br#"{"id":7}"#, br#"[{"id":"evt_1"}]"#, br#"{"id":""}"#] {
        let err = check(&sign_stripe(SECRET, T0, body), body, T0).unwrap_err();
        assert!(matches!(err, Rejection::Malformed(_)), "{body:?}: {err:?}");
    }
}

#[test]
fn unsigned_garbage_is_a_signature_failure_not_a_parse_error() {
    // The body is never parsed before the signature checks out.
    let sig = sign_stripe(b"whsec_other", T0, b"not json");
    assert_eq!(check(&sig, b"not json", T0), Err(Rejection::BadSignature));
}

//! Hitch's generic `X-Hitch-Signature` verification.

use super::*;

const SECRET: &[u8] = b"hitch-secret";
const BODY: &[u8] = br#"{"id":"evt_1","type":"customer.created","object":"event"}"#;
const URL: &str = "https://hitch.example.com/hooks/ep_3";
const BODY_SHA256: &str = "39d0a18dfa2420e5f8be01fd064cbaadf08fdfa62a17a2feb85326de54713522";

fn check_with(scheme: &Scheme, pairs: &[(&str, &str)], body: &[u8], now: i64) -> Result<Verified, Rejection> {
    let h = headers(pairs);
    verify(scheme, SECRET, &post(URL, &h, body), at(now))
}

fn check(pairs: &[(&str, &str)], body: &[u8], now: i64) -> Result<Verified, Rejection> {
    check_with(&GENERIC, pairs, body, now)
}

#[test]
fn matches_an_independent_implementation() {
    // Computed with Python's hmac/hashlib over the same bytes.
    let plain = "sha256=508f7a3f3724075176fa671e832533c9c7bc4dfc5e9ae4cfd72b40e97f752cad";
    let stamped = "sha256=91fcb289789f63e6c82d009631afcce1f0801ecb2c671427411a9e6ecf8e3003";
    assert_eq!(sign_generic(SECRET, BODY, None), plain);
    assert_eq!(sign_generic(SECRET, BODY, Some(T0)), stamped);
    assert!(check(&[("X-Hitch-Signature", plain)], BODY, T0).is_ok());
    assert!(check(&[("X-Hitch-Signature", stamped), ("X-Hitch-Timestamp", "1700000000")], BODY, T0).is_ok());
    // Uppercase hex is the same signature.
    let upper = format!("sha256={}", plain.trim_start_matches("sha256=").to_uppercase());
    assert!(check(&[("X-Hitch-Signature", &upper)], BODY, T0).is_ok());
}

#[test]
fn without_pointer_or_header_the_id_is_the_body_hash() {
    let sig = sign_generic(SECRET, BODY, None);
    let v = check(&[("X-Hitch-Signature", &sig)], BODY, T0).unwrap();
    assert_eq!(v.event_ids, vec![format!("sha256:{BODY_SHA256}")]);
    assert_eq!(v.kind.as_deref(), Some("customer.created"));
    // The same body again (a replay) gets the same id, so dedupe drops it.
    let again = check(&[("X-Hitch-Signature", &sig)], BODY, T0 + 86_400).unwrap();
    assert_eq!(again.event_ids, v.event_ids);
}

#[test]
fn the_pointer_wins_then_the_header_then_the_hash() {
    let sig = sign_generic(SECRET, BODY, None);
    let pointer = |p: &str| Scheme::Generic { event_id_pointer: Some(p.into()) };
    let with_header = [("X-Hitch-Signature", sig.as_str()), ("X-Hitch-Event-Id", "hdr-9")];
    let v = check_with(&pointer("/id"), &with_header, BODY, T0).unwrap();
    assert_eq!(v.event_ids, vec!["evt_1".to_string()]);
    // Pointer finds nothing: the header is used.
    let v = check_with(&pointer("/missing"), &with_header, BODY, T0).unwrap();
    assert_eq!(v.event_ids, vec!["hdr-9".to_string()]);
    // Pointer at a non-id value (an object) and no header: the hash.
    let v = check_with(&pointer(""), &[("X-Hitch-Signature", &sig)], BODY, T0).unwrap();
    assert_eq!(v.event_ids, vec![format!("sha256:{BODY_SHA256}")]);
    // Nested pointers and integer ids.
    let body = br#"{"data":{"order":{"number":4711}}}"#;
    let sig = sign_generic(SECRET, body, None);
    let v = check_with(&pointer("/data/order/number"), &[("X-Hitch-Signature", &sig)], body, T0).unwrap();
    assert_eq!(v.event_ids, vec!["4711".to_string()]);
    assert_eq!(v.kind, None);
}

#[test]
fn event_type_header_beats_the_body() {
    let sig = sign_generic(SECRET, BODY, None);
    let v = check(&[("X-Hitch-Signature", &sig), ("X-Hitch-Event-Type", "order.paid")], BODY, T0).unwrap();
    assert_eq!(v.kind.as_deref(), Some("order.paid"));
}

#[test]
fn unusable_event_ids_are_refused() {
    let sig = sign_generic(SECRET, BODY, None);
    let long = "x".repeat(MAX_EVENT_ID_LEN + 1);
    let err = check(&[("X-Hitch-Signature", &sig), ("X-Hitch-Event-Id", &long)], BODY, T0).unwrap_err();
    assert!(matches!(err, Rejection::Malformed(_)));
    let ok = "x".repeat(MAX_EVENT_ID_LEN);
    assert!(check(&[("X-Hitch-Signature", &sig), ("X-Hitch-Event-Id", &ok)], BODY, T0).is_ok());
}

#[test]
fn wrong_secret_tampered_body_and_stripped_timestamp() {
    let other = sign_generic(b"other", BODY, None);
    assert_eq!(check(&[("X-Hitch-Signature", &other)], BODY, T0), Err(Rejection::BadSignature));
    let sig = sign_generic(SECRET, BODY, None);
    let mut tampered = BODY.to_vec();
    tampered[11] ^= 1;
    assert_eq!(check(&[("X-Hitch-Signature", &sig)], &tampered, T0), Err(Rejection::BadSignature));
    // A timestamped signature cannot be replayed by dropping or changing the timestamp.
    let stamped = sign_generic(SECRET, BODY, Some(T0));
    assert_eq!(check(&[("X-Hitch-Signature", &stamped)], BODY, T0), Err(Rejection::BadSignature));
    let moved = [("X-Hitch-Signature", stamped.as_str()), ("X-Hitch-Timestamp", "1700000100")];
    assert_eq!(check(&moved, BODY, T0 + 100), Err(Rejection::BadSignature));
    assert_eq!(check(&[("X-Hitch-Signature", "sha256=nothex")], BODY, T0), Err(Rejection::BadSignature));
}

#[test]
fn timestamps_are_checked_both_ways() {
    let sig = sign_generic(SECRET, BODY, Some(T0));
    let h = [("X-Hitch-Signature", sig.as_str()), ("X-Hitch-Timestamp", "1700000000")];
    assert!(check(&h, BODY, T0 + 300).is_ok());
    assert_eq!(check(&h, BODY, T0 + 301), Err(Rejection::Stale { age_secs: 301 }));
    assert_eq!(check(&h, BODY, T0 - 301), Err(Rejection::Stale { age_secs: -301 }));
    let bad = [("X-Hitch-Signature", sig.as_str()), ("X-Hitch-Timestamp", "1.7e9")];
    assert!(matches!(check(&bad, BODY, T0), Err(Rejection::Malformed(_))));
}

#[test]
fn missing_or_misshapen_signature_header() {
    assert_eq!(check(&[], BODY, T0), Err(Rejection::MissingSignature));
    assert_eq!(check(&[("X-Hitch-Timestamp", "1700000000")], BODY, T0), Err(Rejection::MissingSignature));
    let bare = sign_generic(SECRET, BODY, None).replace("sha256=", "");
    assert!(matches!(check(&[("X-Hitch-Signature", &bare)], BODY, T0), Err(Rejection::Malformed(_))));
}

#[test]
fn signed_non_json_is_refused_and_arrays_are_accepted() {
    for body in [&b"hello"[..], b"\"str\"", b"null", b"{\"a\":", &[0xff, 0xfe][..]] {
        let sig = sign_generic(SECRET, body, None);
        assert_eq!(check(&[("X-Hitch-Signature", &sig)], body, T0), Err(Rejection::NotJson), "{body:?}");
    }
    let body = br#"[{"n":1},{"n":2}]"#;
    let sig = sign_generic(SECRET, body, None);
    let v = check(&[("X-Hitch-Signature", &sig)], body, T0).unwrap();
    assert_eq!(v.event_ids.len(), 1);
    assert!(v.event_ids[0].starts_with("sha256:"));
}

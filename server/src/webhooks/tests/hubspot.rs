//! HubSpot `X-HubSpot-Signature-v3` verification.

use super::*;

const SECRET: &[u8] = b"yyyyyyyy-yyyy-yyyy-yyyy-yyyyyyyyyyyy";
const URL: &str = "https://hitch.example.com/hooks/ep_2";
const BODY: &[u8] = br#"[{"eventId":100,"subscriptionId":12345,"portalId":62515,"occurredAt":1564113600000,"subscriptionType":"contact.creation","attemptNumber":0,"objectId":123},{"eventId":101,"subscriptionType":"contact.creation","objectId":124}]"#;
const NOW_MS: i64 = T0 * 1000;

fn check_at(url: &str, sig: &str, ts: &str, body: &[u8], now_ms: i64) -> Result<Verified, Rejection> {
    let h = headers(&[("X-HubSpot-Signature-v3", sig), ("X-HubSpot-Request-Timestamp", ts)]);
    let now = Utc.timestamp_millis_opt(now_ms).single().unwrap();
    verify(&Scheme::HubspotV3, SECRET, &post(url, &h, body), now)
}

fn check(sig: &str, ts: &str, body: &[u8]) -> Result<Verified, Rejection> {
    check_at(URL, sig, ts, body, NOW_MS)
}

#[test]
fn matches_the_official_sdk_vector() {
    // hubspot-api-python tests/spec/utils/test_signature.py, test_get_signature__v3.
    let (sig, ts) = sign_hubspot_v3(
        SECRET,
        "POST",
        "https://www.example.com/webhook_uri",
        b"{'example_field':'example_value'}",
        15_000_000,
    );
    assert_eq!(sig, "HPW73RUtKmcYoEDADG0s6MmGFWUzWJKAW07r8RDgcQw=");
    assert_eq!(ts, "15000000");
}

#[test]
fn round_trip_returns_every_event_id_and_the_shared_kind() {
    let (sig, ts) = sign_hubspot_v3(SECRET, "POST", URL, BODY, NOW_MS - 1_000);
    let v = check(&sig, &ts, BODY).unwrap();
    assert_eq!(v.event_ids, vec!["100".to_string(), "101".to_string()]);
    assert_eq!(v.kind.as_deref(), Some("contact.creation"));
    assert!(v.payload.is_array());
}

#[test]
fn mixed_batches_have_no_single_kind_and_repeated_ids_count_once() {
    let body = br#"[{"eventId":1,"subscriptionType":"contact.creation"},{"eventId":2,"subscriptionType":"deal.creation"},{"eventId":1,"subscriptionType":"contact.creation"}]"#;
    let (sig, ts) = sign_hubspot_v3(SECRET, "POST", URL, body, NOW_MS);
    let v = check(&sig, &ts, body).unwrap();
    assert_eq!(v.event_ids, vec!["1".to_string(), "2".to_string()]);
    assert_eq!(v.kind, None);
}

#[test]
fn wrong_secret_tampered_body_method_url_or_timestamp() {
    let (sig, ts) = sign_hubspot_v3(b"other-secret", "POST", URL, BODY, NOW_MS);
    assert_eq!(check(&sig, &ts, BODY), Err(Rejection::BadSignature));
    let (sig, ts) = sign_hubspot_v3(SECRET, "POST", URL, BODY, NOW_MS);
    let mut tampered = BODY.to_vec();
    tampered[12] ^= 1; // "100" -> "000"
    assert_eq!(check(&sig, &ts, &tampered), Err(Rejection::BadSignature));
    assert_eq!(check(&sig, &(NOW_MS - 1).to_string(), BODY), Err(Rejection::BadSignature));
    assert_eq!(check_at("http://hitch.example.com/hooks/ep_2", &sig, &ts, BODY, NOW_MS), Err(Rejection::BadSignature));
    assert_eq!(check_at(&format!("{URL}/"), &sig, &ts, BODY, NOW_MS), Err(Rejection::BadSignature));
    let (get_sig, _) = sign_hubspot_v3(SECRET, "GET", URL, BODY, NOW_MS);
    assert_eq!(check(&get_sig, &ts, BODY), Err(Rejection::BadSignature));
    assert_eq!(check("not base64!", &ts, BODY), Err(Rejection::BadSignature));
}

#[test]
fn older_than_five_minutes_or_far_future_is_stale() {
    let (sig, ts) = sign_hubspot_v3(SECRET, "POST", URL, BODY, NOW_MS - 300_000);
    assert!(check(&sig, &ts, BODY).is_ok());
    let (sig, ts) = sign_hubspot_v3(SECRET, "POST", URL, BODY, NOW_MS - 300_001);
    assert_eq!(check(&sig, &ts, BODY), Err(Rejection::Stale { age_secs: 300 }));
    let (sig, ts) = sign_hubspot_v3(SECRET, "POST", URL, BODY, NOW_MS - 3_600_000);
    assert_eq!(check(&sig, &ts, BODY), Err(Rejection::Stale { age_secs: 3600 }));
    let (sig, ts) = sign_hubspot_v3(SECRET, "POST", URL, BODY, NOW_MS + 400_000);
    assert_eq!(check(&sig, &ts, BODY), Err(Rejection::Stale { age_secs: -400 }));
}

#[test]
fn missing_headers() {
    let (sig, ts) = sign_hubspot_v3(SECRET, "POST", URL, BODY, NOW_MS);
    for h in [
        headers(&[("X-HubSpot-Signature-v3", &sig)]),
        headers(&[("X-HubSpot-Request-Timestamp", &ts)]),
        // The legacy v1/v2 header alone is not accepted.
        headers(&[("X-HubSpot-Signature", "abc"), ("X-HubSpot-Signature-Version", "v1")]),
    ] {
        let err = verify(&Scheme::HubspotV3, SECRET, &post(URL, &h, BODY), at(T0)).unwrap_err();
        assert_eq!(err, Rejection::MissingSignature);
    }
    assert!(matches!(check(&sig, "soon", BODY), Err(Rejection::Malformed(_))));
}

#[test]
fn uri_decoding_follows_the_documented_list_only() {
    let all = "https://h.example/hooks/a%3Ab%2Fc%3Fd%40e%21f%24g%27h%28i%29j%2Ak%2Cl%3Bm";
    assert_eq!(decode_hubspot_uri(all), "https://h.example/hooks/a:b/c?d@e!f$g'h(i)j*k,l;m");
    // Lowercase hex is the same octet.
    assert_eq!(decode_hubspot_uri("https://h/x?a=%3a%2c"), "https://h/x?a=:,");
    // Not on the list: left encoded.
    let kept = "https://h/x?q=a%20b%26c%3Dd%2B%25e%5B";
    assert_eq!(decode_hubspot_uri(kept), kept);
    // One pass: %253A is "%25" + "3A", and %25 is not on the list.
    assert_eq!(decode_hubspot_uri("https://h/x?a=%253A"), "https://h/x?a=%253A");
    // Truncated or non-hex escapes and non-ASCII text pass through untouched.
    assert_eq!(decode_hubspot_uri("https://h/é?a=%3"), "https://h/é?a=%3");
    assert_eq!(decode_hubspot_uri("https://h/x%zz%%3A"), "https://h/x%zz%:");
    assert_eq!(decode_hubspot_uri("%"), "%");
}

#[test]
fn signature_over_a_url_with_encoded_characters_uses_the_decoded_form() {
    let encoded = "https://hitch.example.com/hooks/ep_2?tag=a%3Ab%2Cc&name=x%20y";
    let decoded = "https://hitch.example.com/hooks/ep_2?tag=a:b,c&name=x%20y";
    // What HubSpot computes: HMAC over the decoded URI (built here by hand).
    let ts = NOW_MS.to_string();
    let mac = hmac_sha256(SECRET, &[b"POST", decoded.as_bytes(), BODY, ts.as_bytes()]).unwrap();
    use base64::Engine;
    let sig = base64::engine::general_purpose::STANDARD.encode(mac);
    // Whether the route sees the encoded or the decoded URL, it verifies.
    assert!(check_at(encoded, &sig, &ts, BODY, NOW_MS).is_ok());
    assert!(check_at(decoded, &sig, &ts, BODY, NOW_MS).is_ok());
    // %20 is not decoded, so a URL with a literal space does not match.
    let spaced = "https://hitch.example.com/hooks/ep_2?tag=a:b,c&name=x y";
    assert_eq!(check_at(spaced, &sig, &ts, BODY, NOW_MS), Err(Rejection::BadSignature));
}

#[test]
fn signed_bodies_must_be_a_non_empty_array_of_events_with_integer_ids() {
    for body in [&b"nope"[..], b"12"] {
        let (sig, ts) = sign_hubspot_v3(SECRET, "POST", URL, body, NOW_MS);
        assert_eq!(check(&sig, &ts, body), Err(Rejection::NotJson));
    }
    for body in [
        &br#"{"eventId":1}"#[..],
        b"[]",
        br#"[{"eventId":"1"}]"#,
        br#"[{"eventId":1.5}]"#,
        br#"[{"eventId":1},{"objectId":2}]"#,
        br#"[1,2]"#,
    ] {
        let (sig, ts) = sign_hubspot_v3(SECRET, "POST", URL, body, NOW_MS);
        let err = check(&sig, &ts, body).unwrap_err();
        assert!(matches!(err, Rejection::Malformed(_)), "{body:?}: {err:?}");
    }
}

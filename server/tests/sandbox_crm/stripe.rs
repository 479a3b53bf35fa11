//! Stripe stand-in: customer lists (newest first, both cursors, created filters), writes with
//! idempotency and Stripe's error bodies, invoices and charges, rate limit, determinism.

use std::collections::HashSet;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{Sb, sandbox};

async fn ids(sb: &Sb, path: &str, query: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cursor = String::new();
    loop {
        let r = sb.st_get(&format!("{path}?limit=100{query}{cursor}")).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        let page = r.json();
        assert_eq!(page["object"], json!("list"));
        assert_eq!(page["url"], json!(path));
        let data = page["data"].as_array().unwrap();
        out.extend(data.iter().map(|x| x["id"].as_str().unwrap().to_owned()));
        if page["has_more"] != json!(true) {
            break;
        }
        cursor = format!("&starting_after={}", data.last().unwrap()["id"].as_str().unwrap());
    }
    out
}

#[tokio::test]
async fn customer_lists_are_newest_first_and_complete_both_ways() {
    let sb = sandbox().await;
    sb.stripe_reset(11, 250, 120, 160).await;
    let down = ids(&sb, "/v1/customers", "").await;
    assert_eq!(down.len(), 250);
    assert_eq!(down.iter().collect::<HashSet<_>>().len(), 250);
    let page = sb.st_get("/v1/customers?limit=100").await.json();
    let created: Vec<i64> = page["data"].as_array().unwrap().iter().map(|c| c["created"].as_i64().unwrap()).collect();
    assert!(created.windows(2).all(|w| w[0] >= w[1]), "newest first");
    // Walk back up with ending_before from the oldest: every page is the one just newer.
    let mut up = Vec::new();
    let mut before = down.last().unwrap().clone();
    loop {
        let page = sb.st_get(&format!("/v1/customers?limit=40&ending_before={before}")).await.json();
        let data: Vec<String> =
            page["data"].as_array().unwrap().iter().map(|c| c["id"].as_str().unwrap().to_owned()).collect();
        if data.is_empty() {
            break;
        }
        up.extend(data.iter().rev().cloned());
        before = data[0].clone();
        if page["has_more"] != json!(true) {
            break;
        }
    }
    let mut expected: Vec<String> = down[..249].to_vec();
    expected.reverse();
    assert_eq!(up, expected);
    // created filters.
    let cut = created[50];
    let newer = ids(&sb, "/v1/customers", &format!("&created[gte]={cut}")).await;
    assert_eq!(newer.len(), 51);
    assert_eq!(ids(&sb, "/v1/customers", &format!("&created[gt]={cut}")).await.len(), 50);
    // Invoices and charges are linked to customers.
    assert_eq!(ids(&sb, "/v1/invoices", "").await.len(), 120);
    assert_eq!(ids(&sb, "/v1/charges", "").await.len(), 160);
    let inv = sb.st_get("/v1/invoices?limit=1").await.json()["data"][0].clone();
    let customer = inv["customer"].as_str().unwrap();
    let theirs = ids(&sb, "/v1/invoices", &format!("&customer={customer}")).await;
    assert!(theirs.contains(&inv["id"].as_str().unwrap().to_owned()));
    let ch = sb.st_get("/v1/charges?limit=1").await.json()["data"][0].clone();
    assert!(ch["payment_method"].as_str().unwrap().starts_with("pm_"));
    assert_eq!(ch["payment_method_details"], Value::Null, "no card data");
    assert_eq!(sb.st_get(&format!("/v1/charges/{}", ch["id"].as_str().unwrap())).await.json(), ch);
    for (bad, param) in [("limit=101", "limit"), ("limit=abc", "limit"), ("starting_after=cus_nope", "starting_after")]
    {
        let r = sb.st_get(&format!("/v1/customers?{bad}")).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{bad}");
        assert_eq!(r.json()["error"]["param"], json!(param));
    }
}

#[tokio::test]
async fn writes_validate_and_honour_idempotency_keys() {
    let sb = sandbox().await;
    sb.stripe_reset(12, 5, 0, 0).await;
    let form = [("email", "jane@example.com"), ("name", "Jane Doe"), ("metadata[hitch_id]", "h-1")];
    let first = sb.st_send(Method::POST, "/v1/customers", &form, Some("key-1")).await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.text);
    let customer = first.json();
    assert_eq!(customer["metadata"], json!({"hitch_id": "h-1"}));
    assert_eq!(first.header("Idempotent-Replayed"), None);
    let replay = sb.st_send(Method::POST, "/v1/customers", &form, Some("key-1")).await;
    assert_eq!(replay.status, StatusCode::OK);
    assert_eq!(replay.header("Idempotent-Replayed"), Some("true"));
    assert_eq!(replay.json(), customer);
    let other = sb.st_send(Method::POST, "/v1/customers", &[("email", "other@example.com")], Some("key-1")).await;
    assert_eq!(other.status, StatusCode::BAD_REQUEST);
    assert_eq!(other.json()["error"]["type"], json!("idempotency_error"));
    assert_eq!(sb.control_get("/_sandbox/stripe/customers").await["total"], json!(6), "the replay created nothing");

    let bad = sb.st_send(Method::POST, "/v1/customers", &[("email", "not an email")], None).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        bad.json()["error"],
        json!({"type": "invalid_request_error", "message": "Invalid email address: not an email", "param": "email", "code": "email_invalid", "doc_url": "https://stripe.com/docs/error-codes/email-invalid"})
    );
    let unknown = sb.st_send(Method::POST, "/v1/customers", &[("colour", "blue")], None).await;
    assert_eq!(unknown.json()["error"]["code"], json!("parameter_unknown"));

    let id = customer["id"].as_str().unwrap();
    let updated = sb.st_send(Method::POST, &format!("/v1/customers/{id}"), &[("name", "Jane Roe")], None).await;
    assert_eq!(updated.json()["name"], json!("Jane Roe"));
    let deleted = sb.st_send(Method::DELETE, &format!("/v1/customers/{id}"), &[], None).await;
    assert_eq!(deleted.json(), json!({"id": id, "object": "customer", "deleted": true}));
    assert_eq!(sb.st_get(&format!("/v1/customers/{id}")).await.json()["deleted"], json!(true));
    let missing = sb.st_send(Method::POST, "/v1/customers/cus_missing", &[("name", "x")], None).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert_eq!(missing.json()["error"]["code"], json!("resource_missing"));
    assert_eq!(missing.json()["error"]["message"], json!("No such customer: 'cus_missing'"));
}

#[tokio::test]
async fn rate_limit_and_determinism() {
    let sb = sandbox().await;
    sb.stripe_reset(42, 300, 50, 50).await;
    let first = sb.st_get("/v1/customers?limit=100").await.text;
    sb.stripe_reset(42, 300, 50, 50).await;
    assert_eq!(sb.st_get("/v1/customers?limit=100").await.text, first, "same seed, byte-identical page");
    sb.control("/_sandbox/stripe/settings", json!({"rate_limit_per_10s": 2})).await;
    assert_eq!(sb.st_get("/v1/customers?limit=1").await.status, StatusCode::OK);
    assert_eq!(sb.st_get("/v1/invoices?limit=1").await.status, StatusCode::OK);
    let r = sb.st_get("/v1/charges?limit=1").await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(r.header("Retry-After").is_some());
    assert_eq!(r.json()["error"]["code"], json!("rate_limit"));
    assert_eq!(r.json()["error"]["type"], json!("invalid_request_error"));
    sb.control("/_sandbox/stripe/settings", json!({"latency_ms": 250})).await;
    let started = std::time::Instant::now();
    assert_eq!(sb.st_get("/v1/charges?limit=1").await.status, StatusCode::OK, "recovered");
    assert!(started.elapsed().as_millis() >= 250, "latency is added");
    sb.control("/_sandbox/stripe/settings", json!({})).await;
    let bad = sb.http.get(sb.url("/stripe/v1/customers")).bearer_auth("sk_test_wrong").send().await.unwrap();
    assert_eq!(bad.status(), StatusCode::UNAUTHORIZED);
}

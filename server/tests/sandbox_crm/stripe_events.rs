//! Stripe's event log: every customer change appends an event; reading forward in time with
//! `ending_before`; type filters; unknown and expired event ids; 30-day retention.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::sandbox;

#[tokio::test]
async fn events_read_forward_with_ending_before() {
    let sb = sandbox().await;
    sb.stripe_reset(21, 120, 0, 0).await;
    let newest = sb.st_get("/v1/events?limit=1").await.json();
    assert_eq!(newest["data"][0]["type"], json!("customer.created"), "recent seeded customers have events");
    let bookmark = newest["data"][0]["id"].as_str().unwrap().to_owned();
    let mut made = Vec::new();
    for i in 0..25 {
        let r = sb.st_send(Method::POST, "/v1/customers", &[("email", &format!("e{i}@example.com"))], None).await;
        made.push(r.json()["id"].as_str().unwrap().to_owned());
    }
    let touched = sb.control("/_sandbox/stripe/customers/touch", json!({"ids": [made[0]]})).await;
    assert_eq!(touched["touched"], json!(1));
    sb.control("/_sandbox/stripe/customers/delete", json!({"ids": [made[1]]})).await;

    let mut seen: Vec<Value> = Vec::new();
    let mut cursor = bookmark.clone();
    loop {
        let page = sb.st_get(&format!("/v1/events?limit=10&type=customer.*&ending_before={cursor}")).await.json();
        let data = page["data"].as_array().unwrap().clone();
        if data.is_empty() {
            break;
        }
        let created: Vec<i64> = data.iter().map(|e| e["created"].as_i64().unwrap()).collect();
        assert!(created.windows(2).all(|w| w[0] >= w[1]), "newest first within a page");
        cursor = data[0]["id"].as_str().unwrap().to_owned();
        seen.extend(data.into_iter().rev());
        if page["has_more"] != json!(true) {
            break;
        }
    }
    assert_eq!(seen.len(), 27);
    let types: Vec<&str> = seen.iter().map(|e| e["type"].as_str().unwrap()).collect();
    assert!(types[..25].iter().all(|t| *t == "customer.created"));
    assert_eq!(&types[25..], ["customer.updated", "customer.deleted"]);
    let created_ids: Vec<&str> = seen[..25].iter().map(|e| e["data"]["object"]["id"].as_str().unwrap()).collect();
    assert_eq!(created_ids, made.iter().map(String::as_str).collect::<Vec<_>>(), "oldest to newest");
    let updated = &seen[25];
    assert!(updated["data"]["previous_attributes"].as_object().unwrap().contains_key("phone"));
    assert_eq!(updated["api_version"], json!("2023-08-16"));
    assert_eq!(updated["request"], json!({"id": null, "idempotency_key": null}));
    assert_eq!(seen[26]["data"]["object"]["email"], json!("e1@example.com"));
    assert!(seen[0]["request"]["id"].as_str().unwrap().starts_with("req_"));

    let only = sb.st_get("/v1/events?types[]=customer.deleted&types[]=customer.updated").await.json();
    assert_eq!(only["data"].as_array().unwrap().len(), 2);
    let exact = sb.st_get("/v1/events?type=customer.updated").await.json();
    assert_eq!(exact["data"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn unknown_and_expired_event_ids_are_refused() {
    let sb = sandbox().await;
    sb.stripe_reset(22, 40, 0, 0).await;
    let r = sb.st_get("/v1/events?ending_before=evt_doesnotexist").await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        r.json(),
        json!({"error": {"type": "invalid_request_error", "message": "No such event: 'evt_doesnotexist'", "param": "ending_before", "code": "resource_missing", "doc_url": "https://stripe.com/docs/error-codes/resource-missing"}})
    );
    assert_eq!(sb.st_get("/v1/events?starting_after=evt_x").await.json()["error"]["param"], json!("starting_after"));
    let r = sb.st_send(Method::POST, "/v1/customers", &[("name", "Fresh")], None).await;
    assert_eq!(r.status, StatusCode::OK);
    let all = sb.st_get("/v1/events?limit=100").await.json();
    let ids: Vec<String> =
        all["data"].as_array().unwrap().iter().map(|e| e["id"].as_str().unwrap().to_owned()).collect();
    let oldest = ids.last().unwrap().clone();
    // 31 days later only what happened since survives; the old ids are unknown.
    sb.control("/_sandbox/clock/advance", json!({"secs": 31 * 86_400})).await;
    let later = sb.st_get("/v1/events?limit=100").await.json();
    assert!(later["data"].as_array().unwrap().is_empty(), "{later}");
    let r = sb.st_get(&format!("/v1/events?ending_before={oldest}")).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.json()["error"]["code"], json!("resource_missing"));
    let r = sb.st_send(Method::POST, "/v1/customers", &[("name", "Later")], None).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(sb.st_get("/v1/events").await.json()["data"].as_array().unwrap().len(), 1);
}

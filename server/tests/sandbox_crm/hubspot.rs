//! HubSpot CRM v3 stand-in: list paging, search, the 10,000 cap, rate limits, faults,
//! determinism, the properties API, and speed.

use std::collections::HashSet;
use std::time::Instant;

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{Sb, sandbox};

/// Every contact id, paging with `after` at `limit` per page; also checks each record's shape.
async fn all_ids(sb: &Sb, object: &str, limit: u32) -> Vec<String> {
    let mut ids = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let q = after.as_ref().map_or(String::new(), |a| format!("&after={a}"));
        let r = sb.hs_get(&format!("/crm/v3/objects/{object}?limit={limit}{q}")).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        let page = r.json();
        for rec in page["results"].as_array().unwrap() {
            assert_eq!(rec["archived"], json!(false));
            for key in ["createdAt", "updatedAt"] {
                chrono::DateTime::parse_from_rfc3339(rec[key].as_str().unwrap()).unwrap();
            }
            assert!(rec["properties"].as_object().unwrap().values().all(|v| v.is_string() || v.is_null()));
            ids.push(rec["id"].as_str().unwrap().to_owned());
        }
        match page.pointer("/paging/next/after").and_then(Value::as_str) {
            Some(a) => after = Some(a.to_owned()),
            None => break,
        }
    }
    ids
}

#[tokio::test]
async fn list_pages_cover_every_record_exactly_once() {
    let sb = sandbox().await;
    sb.hubspot_reset(1, 1005, 30, 45).await;
    let ids = all_ids(&sb, "contacts", 100).await;
    assert_eq!(ids.len(), 1005);
    assert_eq!(ids.iter().collect::<HashSet<_>>().len(), 1005);
    assert_eq!(all_ids(&sb, "companies", 7).await.len(), 30);
    assert_eq!(all_ids(&sb, "deals", 100).await.len(), 45);
    // The default page is 10, with HubSpot's default contact properties.
    let first = sb.hs_get("/crm/v3/objects/contacts").await.json();
    assert_eq!(first["results"].as_array().unwrap().len(), 10);
    let mut keys: Vec<&str> =
        first["results"][0]["properties"].as_object().unwrap().keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(keys, ["createdate", "email", "firstname", "hs_object_id", "lastmodifieddate", "lastname"]);
    assert_eq!(first["paging"]["next"]["after"], json!("11"));
    // Requested properties, unknown names ignored; a missing value is null.
    let some = sb.hs_get("/crm/v3/objects/contacts?limit=20&properties=email,jobtitle,nope").await.json();
    let p = &some["results"][13]["properties"];
    assert_eq!(p.as_object().unwrap().len(), 2);
    assert_eq!(p["email"], Value::Null, "seeded record 14 has no email");
    for bad in ["limit=abc", "limit=0", "limit=101", "after=xyz"] {
        let r = sb.hs_get(&format!("/crm/v3/objects/contacts?{bad}")).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{bad}");
        assert_eq!(r.json()["category"], json!("VALIDATION_ERROR"));
    }
    let r = sb.hs_get("/crm/v3/objects/tickets").await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
}

async fn search(sb: &Sb, object: &str, body: Value) -> Value {
    let r = sb.hs_post(&format!("/crm/v3/objects/{object}/search"), &body).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    r.json()
}

#[tokio::test]
async fn search_gte_includes_the_boundary_record_and_pages_by_offset() {
    let sb = sandbox().await;
    sb.hubspot_reset(3, 500, 20, 20).await;
    let all = sb.control_get("/_sandbox/hubspot/contacts?limit=1000").await;
    let mut stamps: Vec<(String, String)> = all["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (r["properties"]["lastmodifieddate"].as_str().unwrap().to_owned(), r["id"].as_str().unwrap().to_owned())
        })
        .collect();
    stamps.sort();
    let (boundary, boundary_id) = stamps[300].clone();
    let ms = chrono::DateTime::parse_from_rfc3339(&boundary).unwrap().timestamp_millis();
    let expected: Vec<&String> = stamps.iter().filter(|(t, _)| *t >= boundary).map(|(_, id)| id).collect();
    for value in [ms.to_string(), boundary.clone()] {
        let mut got = Vec::new();
        let mut after = "0".to_owned();
        loop {
            let body = json!({
                "filterGroups": [{"filters": [{"propertyName": "lastmodifieddate", "operator": "GTE", "value": value}]}],
                "sorts": [{"propertyName": "lastmodifieddate", "direction": "ASCENDING"}],
                "properties": ["email", "lastmodifieddate"], "limit": 100, "after": after,
            });
            let page = search(&sb, "contacts", body).await;
            assert_eq!(page["total"], json!(expected.len()));
            got.extend(page["results"].as_array().unwrap().iter().map(|r| r["id"].as_str().unwrap().to_owned()));
            match page.pointer("/paging/next/after").and_then(Value::as_str) {
                Some(a) => after = a.to_owned(),
                None => break,
            }
        }
        assert_eq!(got.len(), expected.len());
        assert!(got.contains(&boundary_id), "GTE keeps the record exactly at the cursor");
        assert_eq!(got.iter().collect::<HashSet<_>>(), expected.iter().copied().collect::<HashSet<_>>());
    }
    // GT drops it; the spec's string sort form and DESCENDING work; companies use hs_lastmodifieddate.
    let gt = json!({"filterGroups": [{"filters": [{"propertyName": "lastmodifieddate", "operator": "GT", "value": ms.to_string()}]}], "sorts": ["-lastmodifieddate"], "limit": 200});
    let page = search(&sb, "contacts", gt).await;
    assert!(page["results"].as_array().unwrap().iter().all(|r| r["id"] != json!(boundary_id)));
    let first = page["results"][0]["properties"]["lastmodifieddate"].as_str().unwrap().to_owned();
    assert_eq!(first, stamps.last().unwrap().0, "descending starts at the newest");
    let companies = json!({"filterGroups": [{"filters": [{"propertyName": "hs_lastmodifieddate", "operator": "GTE", "value": "0"}]}], "limit": 5});
    assert_eq!(search(&sb, "companies", companies).await["total"], json!(20));
    let wrong = json!({"filterGroups": [{"filters": [{"propertyName": "nope", "operator": "GTE", "value": "0"}]}]});
    assert_eq!(sb.hs_post("/crm/v3/objects/contacts/search", &wrong).await.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn search_stops_at_ten_thousand_results() {
    let sb = sandbox().await;
    sb.hubspot_reset(5, 10_050, 0, 0).await;
    let page = search(&sb, "contacts", json!({"limit": 100, "after": "9900"})).await;
    assert_eq!(page["total"], json!(10_050));
    assert_eq!(page["paging"]["next"]["after"], json!("10000"));
    let r = sb.hs_post("/crm/v3/objects/contacts/search", &json!({"limit": 100, "after": "10000"})).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let body = r.json();
    assert_eq!((body["status"].as_str(), body["category"].as_str()), (Some("error"), Some("VALIDATION_ERROR")));
    assert!(body["correlationId"].is_string());
    let r = sb.hs_post("/crm/v3/objects/contacts/search", &json!({"limit": 201})).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn rate_limit_answers_429_with_retry_after_then_recovers() {
    let sb = sandbox().await;
    sb.hubspot_reset(1, 10, 0, 0).await;
    sb.control("/_sandbox/hubspot/settings", json!({"rate_limit_per_10s": 3})).await;
    for left in ["2", "1", "0"] {
        let r = sb.hs_get("/crm/v3/objects/contacts?limit=1").await;
        assert_eq!(r.status, StatusCode::OK);
        assert_eq!(r.header("X-HubSpot-RateLimit-Remaining"), Some(left));
        assert_eq!(r.header("X-HubSpot-RateLimit-Max"), Some("3"));
    }
    let r = sb.hs_get("/crm/v3/objects/contacts?limit=1").await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(r.header("X-HubSpot-RateLimit-Interval-Milliseconds"), Some("10000"));
    let body = r.json();
    assert_eq!(body["errorType"], json!("RATE_LIMIT"));
    assert_eq!(body["policyName"], json!("TEN_SECONDLY_ROLLING"));
    assert_eq!(body["message"], json!("You have reached your ten_secondly_rolling limit."));
    let wait: u64 = r.header("Retry-After").unwrap().parse().unwrap();
    assert!((1..=10).contains(&wait), "{wait}");
    tokio::time::sleep(std::time::Duration::from_secs(wait)).await;
    assert_eq!(
        sb.hs_get("/crm/v3/objects/contacts?limit=1").await.status,
        StatusCode::OK,
        "recovered after Retry-After"
    );
    // Stripe has its own budget, and turning the limit off lifts it at once.
    assert_eq!(sb.st_get("/v1/customers").await.status, StatusCode::OK);
    sb.control("/_sandbox/hubspot/settings", json!({"rate_limit_per_10s": null})).await;
    for _ in 0..5 {
        assert_eq!(sb.hs_get("/crm/v3/objects/contacts?limit=1").await.status, StatusCode::OK);
    }
}

#[tokio::test]
async fn faults_hit_the_crm_api_including_a_truncated_page() {
    let sb = sandbox().await;
    sb.hubspot_reset(1, 10, 0, 0).await;
    let fault = |kind: &str| json!({"provider": "hubspot", "endpoint": "api", "kind": kind, "count": 1});
    let status = sb.http.post(sb.url("/_sandbox/faults")).json(&fault("garbage")).send().await.unwrap().status();
    assert_eq!(status, StatusCode::NO_CONTENT);
    let r = sb.hs_get("/crm/v3/objects/contacts").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.text.starts_with("{\"results\":["), "{}", r.text);
    assert!(serde_json::from_str::<Value>(&r.text).is_err(), "a truncated page is not JSON");
    sb.http.post(sb.url("/_sandbox/faults")).json(&fault("500")).send().await.unwrap();
    assert_eq!(
        sb.hs_post("/crm/v3/objects/contacts/search", &json!({})).await.status,
        StatusCode::INTERNAL_SERVER_ERROR
    );
    assert_eq!(sb.hs_get("/crm/v3/objects/contacts").await.status, StatusCode::OK, "faults are used up");
    let r = sb.http.get(sb.url("/hubspot/crm/v3/objects/contacts")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED, "no token, no data");
}

#[tokio::test]
async fn same_seed_same_data_and_touch_is_deterministic() {
    let sb = sandbox().await;
    let path = "/crm/v3/objects/contacts?limit=100&properties=email,firstname,lastname,phone,jobtitle,lastmodifieddate";
    sb.hubspot_reset(42, 500, 0, 0).await;
    let a = sb.hs_get(path).await.text;
    sb.hubspot_reset(7, 500, 0, 0).await;
    let other = sb.hs_get(path).await.text;
    sb.hubspot_reset(42, 500, 0, 0).await;
    assert_eq!(sb.hs_get(path).await.text, a, "same seed, byte-identical first page");
    assert_ne!(other, a);
    let t1 = sb.control("/_sandbox/hubspot/contacts/touch", json!({"count": 5})).await;
    sb.hubspot_reset(42, 500, 0, 0).await;
    let t2 = sb.control("/_sandbox/hubspot/contacts/touch", json!({"count": 5})).await;
    assert_eq!(t1["ids"], t2["ids"]);
    assert_eq!(t1["touched"], json!(5));
    let id = t1["ids"][0].as_str().unwrap();
    let filter = json!({"filterGroups": [{"filters": [{"propertyName": "hs_object_id", "operator": "EQ", "value": id}]}], "properties": ["jobtitle"]});
    let hit = search(&sb, "contacts", filter).await;
    assert!(hit["results"][0]["properties"]["jobtitle"].as_str().unwrap().contains("(rev 1)"));
    let del = sb.control("/_sandbox/hubspot/contacts/delete", json!({"ids": [id]})).await;
    assert_eq!(del["archived"], json!(1));
    let held = sb.control_get("/_sandbox/hubspot/contacts?limit=1").await;
    assert_eq!((held["total"].clone(), held["archived"].clone()), (json!(499), json!(1)));
}

#[tokio::test]
async fn properties_api_describes_the_modelled_fields() {
    let sb = sandbox().await;
    let r = sb.hs_get("/crm/v3/properties/contacts").await;
    assert_eq!(r.status, StatusCode::OK);
    let props = r.json()["results"].as_array().unwrap().clone();
    let email = props.iter().find(|p| p["name"] == json!("email")).unwrap();
    assert_eq!((email["type"].as_str(), email["fieldType"].as_str()), (Some("string"), Some("text")));
    let modified = props.iter().find(|p| p["name"] == json!("lastmodifieddate")).unwrap();
    assert_eq!(modified["type"], json!("datetime"));
    assert_eq!(modified["modificationMetadata"]["readOnlyValue"], json!(true));
    let stage = props.iter().find(|p| p["name"] == json!("lifecyclestage")).unwrap();
    assert_eq!(stage["type"], json!("enumeration"));
    assert!(stage["options"].as_array().unwrap().len() > 3);
    let deals = sb.hs_get("/crm/v3/properties/deals").await.json();
    assert!(deals["results"].as_array().unwrap().iter().any(|p| p["name"] == json!("hs_lastmodifieddate")));
}

#[tokio::test]
async fn seeding_100k_is_fast_and_paging_is_quick() {
    let sb = sandbox().await;
    let started = Instant::now();
    let reset = sb.hubspot_reset(9, 100_000, 0, 0).await;
    let wall = started.elapsed();
    println!("seed 100k contacts: {} ms in the handler, {} ms round trip", reset["seeded_ms"], wall.as_millis());
    assert!(wall.as_secs() < 10, "{wall:?}");
    // A bare client: the cursor is cut out of the body, not parsed (the client's debug-built
    // JSON parser would otherwise dominate the figure).
    let started = Instant::now();
    let (mut pages, mut after) = (0, "0".to_owned());
    loop {
        let r = sb.hs_get(&format!("/crm/v3/objects/contacts?limit=100&after={after}")).await;
        assert_eq!(r.status, StatusCode::OK);
        pages += 1;
        match r.text.rfind("\"after\":\"") {
            Some(i) => after = r.text[i + 9..].split('"').next().unwrap().to_owned(),
            None => break,
        }
    }
    let secs = started.elapsed().as_secs_f64();
    assert_eq!(pages, 1000);
    println!("paged 1000 pages of 100 in {secs:.2} s: {:.0} pages/s (one client, sequential)", 1000.0 / secs);
}

//! The control API: revocation, faults, health.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::*;

#[tokio::test]
async fn revoke_kills_refresh_and_access_tokens() {
    let s = sandbox().await;
    let code = s.code("hubspot").await;
    let (_, tokens) = s.exchange("hubspot", false, &code).await;
    assert_eq!(s.control("/_sandbox/oauth/hubspot/revoke", json!({})).await, StatusCode::OK);
    let (status, body) = s.refresh("hubspot", false, tokens["refresh_token"].as_str().unwrap()).await;
    assert_eq!((status, body["error"].as_str()), (StatusCode::BAD_REQUEST, Some("invalid_grant")));
    let bearer = format!("Bearer {}", tokens["access_token"].as_str().unwrap());
    let (status, body) = s.get("/hubspot/account-info/v3/details", &[("Authorization", &bearer)]).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(json_of(&body)["category"], "INVALID_AUTHENTICATION");
    assert_eq!(s.stats("hubspot").await["active_refresh_tokens"], 0);
}

#[tokio::test]
async fn faults_fail_the_next_requests_then_stop() {
    let s = sandbox().await;
    let key = [("Authorization", "Bearer pat-sandbox-1")];
    let path = "/hubspot/account-info/v3/details";
    for kind in ["500", "garbage", "429"] {
        let fault = json!({"provider": "hubspot", "endpoint": "api", "kind": kind, "count": 1});
        assert_eq!(s.control("/_sandbox/faults", fault).await, StatusCode::NO_CONTENT);
    }
    let r = s.http.get(s.url(path)).header(key[0].0, key[0].1).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::INTERNAL_SERVER_ERROR);
    assert!(r.headers()["content-type"].to_str().unwrap().starts_with("text/html"));
    let (status, body) = s.get(path, &key).await;
    assert_eq!(status, StatusCode::OK);
    assert!(serde_json::from_str::<Value>(&body).is_err(), "garbage is not JSON");
    let r = s.http.get(s.url(path)).header(key[0].0, key[0].1).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(r.headers()["retry-after"], "2");
    let (status, body) = s.get(path, &key).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(json_of(&body)["portalId"], hitch::sandbox::HUBSPOT_PORTAL_ID);

    // Token-endpoint faults leave the grant untouched, and DELETE clears what is queued.
    let code = s.code("hubspot").await;
    let fault = json!({"provider": "hubspot", "endpoint": "token", "kind": "500", "count": 1});
    s.control("/_sandbox/faults", fault).await;
    let r = s
        .http
        .post(s.url("/hubspot/oauth/token"))
        .form(&[("grant_type", "authorization_code"), ("code", &code)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::INTERNAL_SERVER_ERROR);
    let (status, _) = s.exchange("hubspot", false, &code).await;
    assert_eq!(status, StatusCode::OK, "a faulted request does not use up the code");
    let fault = json!({"provider": "hubspot", "endpoint": "api", "kind": "500", "count": 5});
    s.control("/_sandbox/faults", fault).await;
    let r = s.http.delete(s.url("/_sandbox/faults")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    assert_eq!(s.get(path, &key).await.0, StatusCode::OK);
}

#[tokio::test]
async fn health_answers() {
    let s = sandbox().await;
    assert_eq!(s.get("/_sandbox/health", &[]).await.0, StatusCode::OK);
}

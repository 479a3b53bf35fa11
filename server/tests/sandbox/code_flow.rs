//! The authorization-code flow: consent, callback, exchange, refresh, and what is refused.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::*;

#[tokio::test]
async fn xero_code_flow_with_pkce_and_rotating_refresh() {
    let s = sandbox().await;
    let code = s.code("xero").await;
    let (status, tokens) = s.exchange("xero", true, &code).await;
    assert_eq!(status, StatusCode::OK, "{tokens}");
    assert_eq!(tokens["token_type"], "bearer");
    assert_eq!(tokens["expires_in"], 3600);
    assert!(tokens["scope"].as_str().unwrap().contains("offline_access"));
    let rt1 = tokens["refresh_token"].as_str().unwrap().to_owned();
    let bearer = format!("Bearer {}", tokens["access_token"].as_str().unwrap());
    let (status, body) = s.get("/xero/connections", &[("Authorization", &bearer)]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(json_of(&body)[0]["tenantId"], hitch::sandbox::XERO_TENANT_ID);

    // The code is single use.
    let (status, again) = s.exchange("xero", true, &code).await;
    assert_eq!((status, again["error"].as_str()), (StatusCode::BAD_REQUEST, Some("invalid_grant")));

    let (status, second) = s.refresh("xero", true, &rt1).await;
    assert_eq!(status, StatusCode::OK, "{second}");
    let rt2 = second["refresh_token"].as_str().unwrap().to_owned();
    assert_ne!(rt1, rt2);
    assert_ne!(second["access_token"], tokens["access_token"]);
    let (status, reuse) = s.refresh("xero", true, &rt1).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(reuse["error"], "invalid_grant");
    assert_eq!(reuse["error_description"], "refresh token already used");
    let (status, _) = s.refresh("xero", true, &rt2).await;
    assert_eq!(status, StatusCode::OK);

    let stats = s.stats("xero").await;
    assert_eq!(
        stats,
        json!({"token_requests": {"authorization_code": 2, "refresh_token": 3},
               "refresh_reuse_rejected": 1, "active_refresh_tokens": 1})
    );
}

#[tokio::test]
async fn pkce_verifier_is_checked() {
    let s = sandbox().await;
    let code = s.code("outlook").await;
    let form = [("grant_type", "authorization_code"), ("code", code.as_str()), ("redirect_uri", CALLBACK)];
    let (status, body) = s.token("outlook", false, &form).await;
    assert_eq!((status, body["error"].as_str()), (StatusCode::BAD_REQUEST, Some("invalid_grant")));
    let code = s.code("outlook").await;
    let wrong = "b-verifier-that-is-long-enough-for-rfc-7636-ok-1234567890";
    let form = [
        ("grant_type", "authorization_code"),
        ("code", code.as_str()),
        ("redirect_uri", CALLBACK),
        ("code_verifier", wrong),
    ];
    let (status, body) = s.token("outlook", false, &form).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error_description"], "code_verifier does not match the code_challenge");
}

#[tokio::test]
async fn hubspot_static_refresh_token_stays_valid() {
    let s = sandbox().await;
    let code = s.code("hubspot").await;
    let (status, tokens) = s.exchange("hubspot", false, &code).await;
    assert_eq!(status, StatusCode::OK, "{tokens}");
    let rt = tokens["refresh_token"].as_str().unwrap().to_owned();
    for _ in 0..2 {
        let (status, again) = s.refresh("hubspot", false, &rt).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(again["refresh_token"], rt.as_str(), "HubSpot returns the same one");
    }
    let bearer = format!("Bearer {}", tokens["access_token"].as_str().unwrap());
    let (status, body) = s.get("/hubspot/account-info/v3/details", &[("Authorization", &bearer)]).await;
    assert_eq!(status, StatusCode::OK);
    let body = json_of(&body);
    assert_eq!(body["portalId"], hitch::sandbox::HUBSPOT_PORTAL_ID);
    assert_eq!(body["uiDomain"], "app.hubspot.com");
    let (status, _) = s.get("/hubspot/account-info/v3/details", &[("Authorization", "Bearer pat-sandbox-1")]).await;
    assert_eq!(status, StatusCode::OK, "private-app tokens are accepted");
    let stats = s.stats("hubspot").await;
    assert_eq!(stats["token_requests"]["refresh_token"], 2);
    assert_eq!(stats["active_refresh_tokens"], 1);
}

#[tokio::test]
async fn denial_redirects_with_access_denied() {
    let s = sandbox().await;
    let q = s.consent("hubspot", "deny").await;
    assert_eq!(param(&q, "error").as_deref(), Some("access_denied"));
    assert!(param(&q, "error_description").is_some());
    assert_eq!(param(&q, "code"), None);
}

#[tokio::test]
async fn authorize_rejects_bad_requests() {
    let s = sandbox().await;
    let path = s.url("/hubspot/oauth/authorize");
    let base = s.authorize_params("hubspot");
    let with = |k: &str, v: &str| {
        let mut p: Vec<(String, String)> = base.iter().filter(|(n, _)| n != k).cloned().collect();
        if !v.is_empty() {
            p.push((k.to_owned(), v.to_owned()));
        }
        p
    };
    let r = s.http.get(&path).query(&with("client_id", "someone-else")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert!(r.text().await.unwrap().contains("error=invalid_client"));
    let r = s.http.get(&path).query(&with("redirect_uri", "")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let r = s.http.get(&path).query(&with("response_type", "token")).send().await.unwrap();
    assert!(r.status().is_redirection());
    let q = query(r.headers()["location"].to_str().unwrap());
    assert_eq!(param(&q, "error").as_deref(), Some("unsupported_response_type"));
    assert_eq!(param(&q, "state").as_deref(), Some("st-123"));
    // A PKCE provider refuses an authorization without a challenge.
    let mut outlook = s.authorize_params("outlook");
    outlook.retain(|(k, _)| !k.starts_with("code_challenge"));
    let r = s.http.get(s.url("/outlook/oauth/authorize")).query(&outlook).send().await.unwrap();
    let q = query(r.headers()["location"].to_str().unwrap());
    assert_eq!(param(&q, "error").as_deref(), Some("invalid_request"));

    let (status, body) = s.get("/nope/oauth/authorize", &[]).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(json_of(&body)["error"], "not_found");
    let (status, _) = s.get("/_sandbox/oauth/nope/stats", &[]).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn wrong_client_secret_is_401() {
    let s = sandbox().await;
    let code = s.code("hubspot").await;
    let form = [
        ("grant_type", "authorization_code"),
        ("code", code.as_str()),
        ("redirect_uri", CALLBACK),
        ("client_id", CLIENT),
        ("client_secret", "wrong"),
    ];
    let r = s.http.post(s.url("/hubspot/oauth/token")).form(&form).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(r.json::<Value>().await.unwrap()["error"], "invalid_client");
    let r = s
        .http
        .post(s.url("/xero/oauth/token"))
        .basic_auth(CLIENT, Some("wrong"))
        .form(&[("grant_type", "refresh_token"), ("refresh_token", "x")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn expired_code_is_invalid_grant() {
    let s = sandbox().await;
    let code = s.code("hubspot").await;
    assert_eq!(s.control("/_sandbox/clock/advance", json!({"secs": 61})).await, StatusCode::NO_CONTENT);
    let (status, body) = s.exchange("hubspot", false, &code).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"], "invalid_grant");
    assert_eq!(body["error_description"], "authorization code expired");
}

#[tokio::test]
async fn square_takes_a_json_token_request() {
    let s = sandbox().await;
    let code = s.code("square").await;
    let body = json!({"client_id": CLIENT, "client_secret": SECRET, "grant_type": "authorization_code",
                      "code": code, "redirect_uri": CALLBACK, "code_verifier": VERIFIER});
    let r = s.http.post(s.url("/square/oauth/token")).json(&body).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let tokens: Value = r.json().await.unwrap();
    assert_eq!(tokens["merchant_id"], "MLHITCHSANDBOX");
    assert_eq!(tokens["token_type"], "bearer");
    assert!(tokens["expires_at"].as_str().unwrap().ends_with('Z'));
    let bearer = format!("Bearer {}", tokens["access_token"].as_str().unwrap());
    let (status, body) = s.get("/square/v2/merchants/me", &[("Authorization", &bearer)]).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "Square-Version is required: {body}");
    let (status, body) =
        s.get("/square/v2/merchants/me", &[("Authorization", &bearer), ("Square-Version", "2025-08-20")]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(json_of(&body)["merchant"]["id"], "MLHITCHSANDBOX");
}

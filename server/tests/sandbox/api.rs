//! The "who am I" calls: each provider's credentials, response shape and 401 body.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hitch::providers::catalog::parse_all;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::*;

#[tokio::test]
async fn expired_access_token_is_401_in_the_providers_shape() {
    let s = sandbox().await;
    s.control("/_sandbox/oauth/hubspot/settings", json!({"access_token_ttl_secs": 0})).await;
    let code = s.code("hubspot").await;
    let (_, tokens) = s.exchange("hubspot", false, &code).await;
    assert_eq!(tokens["expires_in"], 0);
    let bearer = format!("Bearer {}", tokens["access_token"].as_str().unwrap());
    let (status, body) = s.get("/hubspot/account-info/v3/details", &[("Authorization", &bearer)]).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(json_of(&body)["category"], "EXPIRED_AUTHENTICATION");
}

#[tokio::test]
async fn paypal_client_credentials_then_userinfo() {
    let s = sandbox().await;
    let url = s.url("/paypal/v1/oauth2/token");
    let form = [("grant_type", "client_credentials")];
    let bad = s.http.post(&url).basic_auth("someone", Some("wrong")).form(&form).send().await.unwrap();
    assert_eq!(bad.status(), StatusCode::UNAUTHORIZED);
    let ok = s.http.post(&url).basic_auth("AbC", Some("sandbox-1")).form(&form).send().await.unwrap();
    assert_eq!(ok.status(), StatusCode::OK);
    let token: Value = ok.json().await.unwrap();
    assert_eq!(token["token_type"], "Bearer");
    assert_eq!(token["expires_in"], 32400);
    assert_eq!(token["app_id"], "APP-80W284485P519543T");
    let bearer = format!("Bearer {}", token["access_token"].as_str().unwrap());
    let (status, body) =
        s.get("/paypal/v1/identity/oauth2/userinfo?schema=paypalv1.1", &[("Authorization", &bearer)]).await;
    assert_eq!(status, StatusCode::OK);
    assert!(json_of(&body)["user_id"].as_str().unwrap().contains("hitch-sandbox-paypal-user"));
}

#[tokio::test]
async fn stripe_wrong_key_gets_stripes_error() {
    let s = sandbox().await;
    let (status, body) = s.get("/stripe/v1/account", &[("Authorization", "Bearer sk_test_wrong0abcd")]).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        json_of(&body),
        json!({"error": {"type": "invalid_request_error", "message": "Invalid API Key provided: sk_test_****abcd"}})
    );
    let (status, body) = s.get("/stripe/v1/account", &[("Authorization", "Bearer sk_test_sandbox_1")]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(json_of(&body)["id"], hitch::sandbox::STRIPE_ACCOUNT_ID);
    let (status, body) = s.get("/sendgrid/v3/user/username", &[("Authorization", "Bearer SG.nope")]).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(json_of(&body), json!({"errors": [{"field": null, "message": "authorization required"}]}));
}

/// Resolves a catalog JSON pointer in a check response; it must exist and not be null.
fn resolve<'a>(body: &'a Value, pointer: &str, provider: &str) -> &'a Value {
    let v = body.pointer(pointer).unwrap_or_else(|| panic!("{provider}: {pointer} missing in {body}"));
    assert!(!v.is_null(), "{provider}: {pointer} is null");
    v
}

/// Every sandboxed provider: get a credential the way Hitch would, make the catalog's check
/// call, and resolve the catalog's identity and display pointers in the answer.
#[tokio::test]
async fn every_check_call_answers_with_the_catalog_pointers() {
    let s = sandbox().await;
    for spec in parse_all().unwrap() {
        let id = spec.id.as_str();
        if matches!(id, "http" | "postgres") {
            continue;
        }
        let mut identity = None;
        let mut headers: Vec<(String, String)> = spec.headers.clone().into_iter().collect();
        match id {
            "stripe" => headers.push(("Authorization".into(), "Bearer sk_test_sandbox_x".into())),
            "sendgrid" => headers.push(("Authorization".into(), "Bearer SG.sandbox.x".into())),
            "shipengine" => headers.push(("API-Key".into(), "TEST_sandbox_x".into())),
            "paypal" => {
                let r = s
                    .http
                    .post(s.url("/paypal/v1/oauth2/token"))
                    .basic_auth(CLIENT, Some(SECRET))
                    .form(&[("grant_type", "client_credentials")])
                    .send()
                    .await
                    .unwrap();
                let t: Value = r.json().await.unwrap();
                headers.push(("Authorization".into(), format!("Bearer {}", t["access_token"].as_str().unwrap())));
            }
            _ => {
                let oauth = spec.oauth2.as_ref().unwrap();
                let q = s.consent(id, "approve").await;
                identity = param(&q, "realmId");
                let basic = oauth.client_auth == hitch::providers::ClientAuth::Basic;
                let (status, t) = s.exchange(id, basic, &param(&q, "code").unwrap()).await;
                assert_eq!(status, StatusCode::OK, "{id}: {t}");
                let at = t["access_token"].as_str().unwrap();
                if oauth.refresh == hitch::providers::RefreshKind::None {
                    assert!(t.get("expires_in").is_none() && t.get("refresh_token").is_none(), "{t}");
                } else {
                    assert!(t["refresh_token"].is_string(), "{id} gives a refresh token: {t}");
                }
                if oauth.identity_from_id_token {
                    let jwt = t["id_token"].as_str().unwrap();
                    let payload = jwt.split('.').nth(1).unwrap();
                    let claims: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap();
                    assert_eq!(claims["aud"], CLIENT);
                    assert!(claims["sub"].is_string() && claims["email"].is_string());
                }
                if id == "salesforce" {
                    assert_eq!(t["instance_url"], s.url("/salesforce"));
                    assert!(t["id"].as_str().unwrap().starts_with("https://login.salesforce.com/id/00D"));
                }
                if id == "mailchimp" {
                    let (status, meta) =
                        s.get("/mailchimp/oauth/metadata", &[("Authorization", &format!("OAuth {at}"))]).await;
                    assert_eq!(status, StatusCode::OK);
                    assert_eq!(json_of(&meta)["api_endpoint"], s.url("/mailchimp"));
                }
                headers.push(("Authorization".into(), format!("Bearer {at}")));
            }
        }
        let mut path = spec.check.path.clone();
        if let Some(realm) = &identity {
            path = path.replace("{identity}", realm);
        }
        let hs: Vec<(&str, &str)> = headers.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let (status, body) = s.get(&format!("/{id}{path}"), &hs).await;
        assert_eq!(status, StatusCode::OK, "{id}: {body}");
        let body = json_of(&body);
        if let Some(p) = &spec.check.identity {
            resolve(&body, p, id);
        }
        if let Some(p) = &spec.check.display {
            resolve(&body, p, id);
        }
        // Without credentials the same call is refused.
        let (status, _) = s.get(&format!("/{id}{path}"), &[("Square-Version", "2025-08-20")]).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{id}");
    }
}

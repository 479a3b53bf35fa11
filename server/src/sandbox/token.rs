//! The token endpoints: `POST /{P}/oauth/token` (authorization_code and refresh_token grants,
//! with each provider's response extras) and PayPal's client-credentials token.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use sha2::Sha256;

use crate::auth::tokens;
use crate::providers::catalog::OAuth2Spec;
use crate::providers::{SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET};

use super::api_auth::{basic_credentials, oauth_error};
use super::state::{Issued, OAuthError};
use super::{Sandbox, accounts, base_url, jwt};

type Fields = BTreeMap<String, String>;

pub async fn token_post(
    State(sandbox): State<Arc<Sandbox>>,
    Path(provider): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let (spec, oauth) = match sandbox.oauth_provider(&provider) {
        Ok(found) => found,
        Err(reject) => return reject.into_response(),
    };
    let fields = match parse_body(&headers, &body, oauth) {
        Ok(f) => f,
        Err(why) => return oauth_error(StatusCode::BAD_REQUEST, "invalid_request", why),
    };
    let get = |k: &str| fields.get(k).map(String::as_str).filter(|v| !v.is_empty());
    let grant_type = get("grant_type").unwrap_or("");
    if !grant_type.is_empty() {
        sandbox.shared.lock().count_token_request(&spec.id, grant_type);
    }
    // Basic wins when both are sent; either is accepted whatever the catalog prefers.
    let (client_id, secret) = match basic_credentials(&headers) {
        Some((id, secret)) => (Some(id), Some(secret)),
        None => (get("client_id").map(str::to_owned), get("client_secret").map(str::to_owned)),
    };
    if client_id.as_deref() != Some(SANDBOX_CLIENT_ID) || secret.as_deref() != Some(SANDBOX_CLIENT_SECRET) {
        let mut response = oauth_error(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "Client authentication failed: unknown client or wrong secret.",
        );
        response.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Basic"));
        return response;
    }
    let now = sandbox.shared.now();
    let result = match grant_type {
        "authorization_code" => {
            let Some(code) = get("code") else {
                return oauth_error(StatusCode::BAD_REQUEST, "invalid_request", "code is missing");
            };
            sandbox.shared.lock().redeem_code(
                &spec.id,
                code,
                SANDBOX_CLIENT_ID,
                get("redirect_uri"),
                get("code_verifier"),
                oauth.refresh,
                now,
            )
        }
        "refresh_token" => {
            let Some(token) = get("refresh_token") else {
                return oauth_error(StatusCode::BAD_REQUEST, "invalid_request", "refresh_token is missing");
            };
            sandbox.shared.lock().redeem_refresh(&spec.id, token, SANDBOX_CLIENT_ID, oauth.refresh, now).map(
                |mut issued| {
                    // HubSpot answers a refresh with the same refresh token; Google and
                    // Salesforce send none.
                    if spec.id == "hubspot" {
                        issued.refresh_token = Some(token.to_owned());
                    }
                    issued
                },
            )
        }
        "" => Err(OAuthError { error: "invalid_request", description: "grant_type is missing".into() }),
        other => Err(OAuthError {
            error: "unsupported_grant_type",
            description: format!("grant_type {other:?} is not supported"),
        }),
    };
    match result {
        Ok(issued) => no_store(success(&spec.id, &issued, &base_url(&headers), now)),
        Err(e) => oauth_error(StatusCode::BAD_REQUEST, e.error, &e.description),
    }
}

/// Form-encoded, or JSON where the provider takes JSON (Square, which also takes forms).
fn parse_body(headers: &HeaderMap, body: &[u8], oauth: &OAuth2Spec) -> Result<Fields, &'static str> {
    let json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if !json {
        return serde_urlencoded::from_bytes::<Fields>(body)
            .map_err(|_| "the body is not application/x-www-form-urlencoded");
    }
    if oauth.token_request.as_deref() != Some("json") {
        return Err("this token endpoint takes application/x-www-form-urlencoded");
    }
    let map: serde_json::Map<String, Value> =
        serde_json::from_slice(body).map_err(|_| "the body is not a JSON object")?;
    Ok(map
        .into_iter()
        .filter_map(|(k, v)| match v {
            Value::String(s) => Some((k, s)),
            Value::Null => None,
            other => Some((k, other.to_string())),
        })
        .collect())
}

/// The token response, with what each provider adds to RFC 6749's fields.
fn success(provider: &str, issued: &Issued, base: &str, now: u64) -> Value {
    let scope = issued.grant.scopes.join(" ");
    let mut body = json!({
        "access_token": issued.access_token,
        "token_type": "bearer",
        "scope": scope,
    });
    if let Some(ttl) = issued.expires_in {
        body["expires_in"] = json!(ttl);
    }
    if let Some(rt) = &issued.refresh_token {
        body["refresh_token"] = json!(rt);
    }
    let exp = now + issued.expires_in.unwrap_or(3600);
    match provider {
        "salesforce" => {
            let id = format!(
                "https://login.salesforce.com/id/{}/{}",
                accounts::SALESFORCE_ORG_ID,
                accounts::SALESFORCE_USER_ID
            );
            let issued_at = (now * 1000).to_string();
            body["instance_url"] = json!(format!("{base}/salesforce"));
            body["signature"] = json!(salesforce_signature(&id, &issued_at));
            body["id"] = json!(id);
            body["issued_at"] = json!(issued_at);
        }
        "google_calendar" => {
            let claims = json!({
                "iss": "https://accounts.google.com",
                "azp": SANDBOX_CLIENT_ID,
                "aud": SANDBOX_CLIENT_ID,
                "sub": accounts::GOOGLE_SUB,
                "email": accounts::EMAIL,
                "email_verified": true,
                "name": accounts::PERSON,
                "iat": now,
                "exp": exp,
            });
            body["id_token"] = json!(jwt::sign_hs256(&claims, SANDBOX_CLIENT_SECRET));
        }
        "outlook" => {
            let tid = accounts::OUTLOOK_TENANT_ID;
            let claims = json!({
                "ver": "2.0",
                "iss": format!("https://login.microsoftonline.com/{tid}/v2.0"),
                "aud": SANDBOX_CLIENT_ID,
                "sub": "AAAAAAAAAAAAAAAAAAAAAEhpdGNoU2FuZGJveFN1Yg",
                "oid": accounts::OUTLOOK_OBJECT_ID,
                "tid": tid,
                "preferred_username": accounts::OUTLOOK_UPN,
                "email": accounts::OUTLOOK_UPN,
                "name": accounts::PERSON,
                "iat": now,
                "nbf": now,
                "exp": exp,
            });
            body["id_token"] = json!(jwt::sign_hs256(&claims, SANDBOX_CLIENT_SECRET));
            body["ext_expires_in"] = body["expires_in"].clone();
        }
        "square" => {
            body["merchant_id"] = json!(accounts::SQUARE_MERCHANT_ID);
            body["expires_at"] = json!(rfc3339(exp));
            body["short_lived"] = json!(false);
        }
        "hubspot" => {
            body["token_use"] = json!("access_token");
            body["hub_id"] = json!(accounts::HUBSPOT_PORTAL_ID);
            body["user_id"] = json!(accounts::HUBSPOT_USER_ID);
        }
        // Intuit refresh tokens last 100 days and say so.
        "quickbooks" => body["x_refresh_token_expires_in"] = json!(8_640_000),
        // Mailchimp sends a null scope and nothing about expiry.
        "mailchimp" => body["scope"] = Value::Null,
        _ => {}
    }
    body
}

/// Salesforce signs `id + issued_at` with the client secret so clients can check both.
fn salesforce_signature(id: &str, issued_at: &str) -> String {
    match Hmac::<Sha256>::new_from_slice(SANDBOX_CLIENT_SECRET.as_bytes()) {
        Ok(mut m) => {
            m.update(id.as_bytes());
            m.update(issued_at.as_bytes());
            STANDARD.encode(m.finalize().into_bytes())
        }
        Err(_) => String::new(),
    }
}

fn rfc3339(secs: u64) -> String {
    chrono::DateTime::from_timestamp(i64::try_from(secs).unwrap_or(i64::MAX), 0)
        .unwrap_or_default()
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// Token responses must not be cached (RFC 6749 section 5.1).
fn no_store(body: Value) -> Response {
    ([(header::CACHE_CONTROL, "no-store"), (header::PRAGMA, "no-cache")], axum::Json(body)).into_response()
}

/// `POST /paypal/v1/oauth2/token`: the client-credentials grant with HTTP Basic.
pub async fn paypal_token_post(State(sandbox): State<Arc<Sandbox>>, headers: HeaderMap, body: Bytes) -> Response {
    let fields: Fields = serde_urlencoded::from_bytes(&body).unwrap_or_default();
    let grant_type = fields.get("grant_type").map(String::as_str).unwrap_or("");
    if !grant_type.is_empty() {
        sandbox.shared.lock().count_token_request("paypal", grant_type);
    }
    let client = basic_credentials(&headers).filter(|(id, secret)| {
        (id == SANDBOX_CLIENT_ID && secret == SANDBOX_CLIENT_SECRET)
            || (!id.is_empty() && secret.starts_with("sandbox-"))
    });
    let Some((client_id, _)) = client else {
        return oauth_error(StatusCode::UNAUTHORIZED, "invalid_client", "Client Authentication failed");
    };
    if grant_type != "client_credentials" {
        return oauth_error(StatusCode::BAD_REQUEST, "unsupported_grant_type", "Grant Type is NULL or not supported");
    }
    let now = sandbox.shared.now();
    let issued = sandbox.shared.lock().issue_app_token("paypal", &client_id, now);
    no_store(json!({
        "scope": "https://uri.paypal.com/services/invoicing https://uri.paypal.com/services/reporting/search/read https://uri.paypal.com/services/payments/payment openid https://uri.paypal.com/services/applications/webhooks",
        "access_token": issued.access_token,
        "token_type": "Bearer",
        "app_id": "APP-80W284485P519543T",
        "expires_in": issued.expires_in.unwrap_or(32_400),
        "nonce": format!("{}{}", rfc3339(now), &tokens::generate("")[..43]),
    }))
}

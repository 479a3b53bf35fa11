//! Who is calling a provider API: bearer tokens the sandbox issued, or the API keys and
//! static tokens it accepts; refusals carry each provider's own 401 body.

use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};

use super::state::{Grant, Refusal};
use super::{Reject, Sandbox};

/// The caller of an API endpoint.
#[derive(Debug, Clone)]
pub enum Caller {
    /// An access token from this sandbox's token endpoint.
    Token(Grant),
    /// An API key or static token (no grant behind it).
    Key,
}

/// An RFC 6749 section 5.2 error body.
pub fn oauth_error(status: StatusCode, error: &str, description: &str) -> Response {
    (status, axum::Json(json!({"error": error, "error_description": description}))).into_response()
}

/// `Authorization: Basic base64(id:secret)`.
pub fn basic_credentials(headers: &HeaderMap) -> Option<(String, String)> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, encoded) = value.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = String::from_utf8(STANDARD.decode(encoded.trim()).ok()?).ok()?;
    let (id, secret) = decoded.split_once(':')?;
    Some((id.to_owned(), secret.to_owned()))
}

fn scheme_token<'h>(headers: &'h HeaderMap, schemes: &[&str]) -> Option<&'h str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    schemes.iter().any(|s| s.eq_ignore_ascii_case(scheme)).then(|| token.trim())
}

/// Checks the credentials `provider`'s API expects.
pub fn authenticate(sandbox: &Sandbox, provider: &str, headers: &HeaderMap) -> Result<Caller, Reject> {
    let key_ok = |key: &str, prefixes: &[&str]| {
        prefixes.iter().any(|p| key.starts_with(p))
            || sandbox.shared.lock().keys.get(provider).is_some_and(|keys| keys.iter().any(|k| k == key))
    };
    match provider {
        "stripe" => {
            // Stripe also takes the key as the HTTP Basic user name.
            let key = scheme_token(headers, &["Bearer"])
                .map(str::to_owned)
                .or_else(|| basic_credentials(headers).map(|(user, _)| user));
            match key {
                Some(k) if key_ok(&k, &["sk_test_sandbox", "rk_test_sandbox"]) => Ok(Caller::Key),
                other => Err(stripe_unauthorized(other.as_deref()).into()),
            }
        }
        "sendgrid" => match scheme_token(headers, &["Bearer"]) {
            Some(k) if key_ok(k, &["SG.sandbox"]) => Ok(Caller::Key),
            _ => Err(unauthorized(provider, Refusal::Unknown).into()),
        },
        "shipengine" => match headers.get("API-Key").and_then(|v| v.to_str().ok()) {
            Some(k) if key_ok(k, &["TEST_sandbox"]) => Ok(Caller::Key),
            _ => Err(unauthorized(provider, Refusal::Unknown).into()),
        },
        _ => {
            let schemes: &[&str] = if provider == "mailchimp" { &["Bearer", "OAuth"] } else { &["Bearer"] };
            let token =
                scheme_token(headers, schemes).ok_or_else(|| Reject::from(unauthorized(provider, Refusal::Unknown)))?;
            let static_prefix = match provider {
                "hubspot" => Some("pat-sandbox-"),
                "square" => Some("EAAAsandbox"),
                _ => None,
            };
            if static_prefix.is_some_and(|p| key_ok(token, &[p])) {
                return Ok(Caller::Key);
            }
            let now = sandbox.shared.now();
            let checked = sandbox.shared.lock().check_access(provider, token, now);
            checked.map(Caller::Token).map_err(|refusal| unauthorized(provider, refusal).into())
        }
    }
}

fn stripe_unauthorized(key: Option<&str>) -> Response {
    let message = match key {
        None | Some("") => "You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY'). See https://stripe.com/docs/api#authentication for details, or we can help at https://support.stripe.com/.".to_owned(),
        Some(k) => format!("Invalid API Key provided: {}", mask_stripe_key(k)),
    };
    let body = json!({"error": {"type": "invalid_request_error", "message": message}});
    with_status(StatusCode::UNAUTHORIZED, body, Some("Bearer realm=\"Stripe\""))
}

/// Stripe's way of quoting a wrong key: the mode prefix, stars, the last four characters.
fn mask_stripe_key(key: &str) -> String {
    let prefix = ["sk_test_", "sk_live_", "rk_test_", "rk_live_", "pk_test_", "pk_live_"]
        .into_iter()
        .find(|p| key.starts_with(p))
        .unwrap_or("");
    let last4: String = key.chars().rev().take(4).collect::<Vec<_>>().into_iter().rev().collect();
    format!("{prefix}****{last4}")
}

/// A 401 in the shape `provider` uses for a missing, expired or revoked token.
pub fn unauthorized(provider: &str, refusal: Refusal) -> Response {
    let id = crate::auth::tokens::generate("")[..32].to_owned();
    let (body, challenge): (Value, Option<&str>) = match provider {
        "hubspot" => {
            let (category, message) = match refusal {
                Refusal::Expired { secs_ago } => (
                    "EXPIRED_AUTHENTICATION",
                    format!("The OAuth token used to make this call expired {secs_ago} second(s) ago."),
                ),
                _ => (
                    "INVALID_AUTHENTICATION",
                    "Authentication credentials not found. This API supports OAuth 2.0 authentication and you can find more details at https://developers.hubspot.com/docs/methods/auth/oauth-overview".to_owned(),
                ),
            };
            (json!({"status": "error", "message": message, "correlationId": id, "category": category}), None)
        }
        "sendgrid" => (json!({"errors": [{"field": null, "message": "authorization required"}]}), None),
        "shipengine" => (
            json!({"request_id": id, "errors": [{"error_source": "shipengine", "error_type": "security", "error_code": "unauthorized", "message": "The API key is invalid. Please see https://www.shipengine.com/docs/auth"}]}),
            None,
        ),
        "paypal" => (
            json!({"error": "invalid_token", "error_description": match refusal {
                Refusal::Expired { .. } => "Access Token has expired",
                _ => "The token passed in was not found in the system",
            }}),
            None,
        ),
        "square" => {
            let (code, detail) = match refusal {
                Refusal::Expired { .. } => ("ACCESS_TOKEN_EXPIRED", "The access token has expired."),
                Refusal::Revoked => ("ACCESS_TOKEN_REVOKED", "The access token has been revoked."),
                Refusal::Unknown => ("UNAUTHORIZED", "This request could not be authorized."),
            };
            (json!({"errors": [{"category": "AUTHENTICATION_ERROR", "code": code, "detail": detail}]}), None)
        }
        "salesforce" => {
            (json!([{"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}]), Some("Token"))
        }
        "google_calendar" => (
            json!({"error": {"code": 401, "message": "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.", "errors": [{"message": "Invalid Credentials", "domain": "global", "reason": "authError", "location": "Authorization", "locationType": "header"}], "status": "UNAUTHENTICATED"}}),
            Some("Bearer realm=\"https://accounts.google.com/\", error=\"invalid_token\""),
        ),
        "outlook" => {
            let message = match refusal {
                Refusal::Expired { .. } => "Lifetime validation failed, the token is expired.",
                _ => "IDX14100: JWT is not well formed.",
            };
            (
                json!({"error": {"code": "InvalidAuthenticationToken", "message": message, "innerError": {"request-id": id, "client-request-id": id}}}),
                Some(
                    "Bearer realm=\"\", authorization_uri=\"https://login.microsoftonline.com/common/oauth2/authorize\"",
                ),
            )
        }
        "quickbooks" => (
            json!({"fault": {"error": [{"message": "message=AuthenticationFailed; errorCode=003200; statusCode=401", "detail": "Token revoked, expired or invalid.", "code": "3200"}], "type": "AUTHENTICATION"}, "time": chrono::Utc::now().to_rfc3339()}),
            None,
        ),
        "xero" => {
            let detail = match refusal {
                Refusal::Expired { .. } => "TokenExpired: token expired",
                _ => "AuthenticationUnsuccessful",
            };
            (
                json!({"Type": null, "Title": "Unauthorized", "Status": 401, "Detail": detail, "Instance": id, "Extensions": {}}),
                Some("Bearer"),
            )
        }
        "mailchimp" => (
            json!({"type": "https://mailchimp.com/developer/marketing/docs/errors/", "title": "API Key Invalid", "status": 401, "detail": "Your API key may be invalid, or you've attempted to access the wrong datacenter.", "instance": id}),
            None,
        ),
        _ => (json!({"error": "invalid_token"}), Some("Bearer")),
    };
    with_status(StatusCode::UNAUTHORIZED, body, challenge)
}

pub fn with_status(status: StatusCode, body: Value, challenge: Option<&str>) -> Response {
    let mut response = (status, axum::Json(body)).into_response();
    if let Some(value) = challenge.and_then(|c| HeaderValue::from_str(c).ok()) {
        response.headers_mut().insert(header::WWW_AUTHENTICATE, value);
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stripe_keys_are_masked_like_stripe_does() {
        assert_eq!(mask_stripe_key("sk_test_123456abcd"), "sk_test_****abcd");
        assert_eq!(mask_stripe_key("nonsense"), "****ense");
    }
}

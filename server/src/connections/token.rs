//! Requests to a provider's token endpoint (RFC 6749 §4.1.3, §6, §4.4), with the provider's
//! quirks from the catalog: client authentication in the body or by HTTP Basic, JSON bodies
//! for Square, `expires_at` instead of `expires_in`.

use chrono::DateTime;
use serde_json::{Map, Value};

use super::ConnectError;
use super::credentials::OAuthToken;
use super::error::provider_message;
use crate::providers::ClientAuth;
use crate::storage::now_ms;

/// Which grant to ask for.
pub enum Grant<'a> {
    AuthorizationCode { code: &'a str, redirect_uri: &'a str, verifier: Option<&'a str> },
    RefreshToken(&'a str),
    ClientCredentials,
}

/// Who the client is and how to say so.
pub struct Client<'a> {
    pub provider: &'a str,
    pub token_url: &'a str,
    pub id: &'a str,
    pub secret: &'a str,
    pub auth: ClientAuth,
    pub json_body: bool,
}

/// A successful token response.
pub struct TokenResponse {
    pub token: OAuthToken,
    pub id_token: Option<String>,
    /// Everything else the provider sent (Salesforce `instance_url`, Square `merchant_id`...).
    pub extra: Map<String, Value>,
}

pub async fn request(
    http: &reqwest::Client,
    client: &Client<'_>,
    grant: Grant<'_>,
) -> Result<TokenResponse, ConnectError> {
    let mut params: Vec<(&str, &str)> = match &grant {
        Grant::AuthorizationCode { code, redirect_uri, verifier } => {
            let mut p = vec![("grant_type", "authorization_code"), ("code", *code), ("redirect_uri", *redirect_uri)];
            if let Some(v) = verifier {
                p.push(("code_verifier", *v));
            }
            p
        }
        Grant::RefreshToken(token) => {
            vec![("grant_type", "refresh_token"), ("refresh_token", *token)]
        }
        Grant::ClientCredentials => vec![("grant_type", "client_credentials")],
    };
    let mut req = http.post(client.token_url).header("accept", "application/json");
    match client.auth {
        ClientAuth::Basic => req = req.basic_auth(client.id, Some(client.secret)),
        ClientAuth::Body => {
            params.push(("client_id", client.id));
            params.push(("client_secret", client.secret));
        }
    }
    req = if client.json_body {
        let body: Map<String, Value> =
            params.iter().map(|(k, v)| ((*k).to_owned(), Value::String((*v).to_owned()))).collect();
        req.json(&body)
    } else {
        req.form(&params)
    };
    let what = "token endpoint";
    let resp = req.send().await.map_err(|e| ConnectError::from_reqwest(client.provider, what, &e))?;
    let status = resp.status().as_u16();
    let body = resp.text().await.map_err(|e| ConnectError::from_reqwest(client.provider, what, &e))?;
    if !(200..300).contains(&status) {
        return Err(token_error(client.provider, status, &body));
    }
    parse(client.provider, &body, matches!(grant, Grant::RefreshToken(_)))
}

fn token_error(provider: &str, status: u16, body: &str) -> ConnectError {
    let code = serde_json::from_str::<Value>(body)
        .ok()
        .and_then(|v| v.get("error").and_then(Value::as_str).map(str::to_owned));
    let words = provider_message(body).unwrap_or_else(|| format!("HTTP {status} from the token endpoint"));
    match code.as_deref() {
        // The grant itself is dead (revoked, expired, already used): only a person can fix it.
        Some("invalid_grant") | Some("unauthorized_client") | Some("access_denied") => {
            ConnectError::Auth { provider: provider.into(), message: words }
        }
        Some("invalid_client") => ConnectError::Provider {
            provider: provider.into(),
            status,
            message: format!(
                "{words} (the OAuth app's client id or secret was refused: check HITCH_PROVIDER_{}_CLIENT_ID and _CLIENT_SECRET)",
                provider.to_uppercase()
            ),
        },
        _ => ConnectError::Provider { provider: provider.into(), status, message: words },
    }
}

fn parse(provider: &str, body: &str, refreshing: bool) -> Result<TokenResponse, ConnectError> {
    let malformed = |message: &str| ConnectError::Malformed { provider: provider.into(), message: message.into() };
    let mut json: Map<String, Value> = match serde_json::from_str::<Value>(body) {
        Ok(Value::Object(map)) => map,
        _ => {
            return Err(malformed("the token endpoint's answer is not a JSON object"));
        }
    };
    let access_token = match json.remove("access_token") {
        Some(Value::String(t)) if !t.is_empty() => t,
        _ => return Err(malformed("the token endpoint's answer has no access_token")),
    };
    let refresh_token = match json.remove("refresh_token") {
        Some(Value::String(t)) if !t.is_empty() => Some(t),
        _ => None,
    };
    let expires_at = match json.get("expires_in") {
        Some(Value::Number(n)) => n.as_i64().map(|s| now_ms() + s * 1000),
        Some(Value::String(s)) => s.parse::<i64>().ok().map(|s| now_ms() + s * 1000),
        _ => json
            .get("expires_at")
            .and_then(Value::as_str)
            .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
            .map(|t| t.timestamp_millis()),
    };
    let id_token = match json.remove("id_token") {
        Some(Value::String(t)) => Some(t),
        _ => None,
    };
    let _ = refreshing;
    Ok(TokenResponse {
        token: OAuthToken {
            access_token,
            refresh_token,
            expires_at,
            scope: json.get("scope").and_then(Value::as_str).map(str::to_owned),
        },
        id_token,
        extra: json,
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_variants_providers_send() {
        let t = parse(
            "X",
            r#"{"access_token":"a","refresh_token":"r","expires_in":3600,"scope":"x y","instance_url":"https://i"}"#,
            false,
        )
        .unwrap();
        assert_eq!(t.token.refresh_token.as_deref(), Some("r"));
        assert!(t.token.expires_at.unwrap() > now_ms() + 3_500_000);
        assert_eq!(t.extra["instance_url"], "https://i");
        let square =
            parse("Square", r#"{"access_token":"a","expires_at":"2030-01-01T00:00:00Z","merchant_id":"M"}"#, false)
                .unwrap();
        assert_eq!(square.token.expires_at, Some(1_893_456_000_000));
        let never = parse("Mailchimp", r#"{"access_token":"a","scope":null}"#, false).unwrap();
        assert_eq!(never.token.expires_at, None);
        assert!(parse("X", "<html>", false).is_err());
        assert!(parse("X", r#"{"token":"a"}"#, false).is_err());
    }

    #[test]
    fn errors_keep_the_providers_words_and_classify() {
        let e =
            token_error("Xero", 400, r#"{"error":"invalid_grant","error_description":"refresh token already used"}"#);
        assert!(e.needs_reauth() && e.to_string().contains("refresh token already used"), "{e}");
        let e = token_error("Xero", 500, "<html>");
        assert!(e.is_retryable() && !e.needs_reauth());
        let e = token_error("HubSpot", 401, r#"{"error":"invalid_client"}"#);
        assert!(!e.needs_reauth() && e.to_string().contains("HITCH_PROVIDER_HUBSPOT_CLIENT_ID"));
    }
}

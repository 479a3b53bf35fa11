//! The account behind an OpenID Connect sign-in, from the id_token's claims.
//!
//! The id_token arrives straight from the token endpoint over TLS in the code flow, so per
//! OpenID Connect Core §3.1.3.7 the TLS server check stands in for the signature check; the
//! claims that bind it to this sign-in (audience, expiry) are still verified.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::Value;

use super::ConnectError;

/// (account id, display name) from an id_token issued to `client_id`.
pub fn identity(
    provider: &str,
    id_token: &str,
    client_id: &str,
    now_secs: i64,
) -> Result<(String, String), ConnectError> {
    let bad =
        |message: &str| ConnectError::Malformed { provider: provider.into(), message: format!("id_token {message}") };
    let payload = id_token.split('.').nth(1).ok_or_else(|| bad("is not a JWT"))?;
    let bytes = URL_SAFE_NO_PAD.decode(payload.trim_end_matches('=')).map_err(|_| bad("payload is not base64url"))?;
    let claims: Value = serde_json::from_slice(&bytes).map_err(|_| bad("payload is not JSON"))?;
    let audience_ok = match &claims["aud"] {
        Value::String(aud) => aud == client_id,
        Value::Array(auds) => auds.iter().any(|a| a == client_id),
        _ => false,
    };
    if !audience_ok {
        return Err(bad("was issued to another client (aud does not match)"));
    }
    if claims["exp"].as_i64().is_none_or(|exp| exp + 300 < now_secs) {
        return Err(bad("has expired"));
    }
    let sub = claims["sub"].as_str().filter(|s| !s.is_empty()).ok_or_else(|| bad("has no subject"))?;
    // Microsoft's stable account id is the object id within its tenant.
    let id = match (claims["tid"].as_str(), claims["oid"].as_str()) {
        (Some(tid), Some(oid)) => format!("{tid}/{oid}"),
        _ => sub.to_owned(),
    };
    let name =
        ["email", "preferred_username", "name"].iter().find_map(|k| claims[*k].as_str()).unwrap_or(sub).to_owned();
    Ok((id, name))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn jwt(claims: &str) -> String {
        format!("eyJhbGciOiJIUzI1NiJ9.{}.sig", URL_SAFE_NO_PAD.encode(claims))
    }

    #[test]
    fn takes_subject_and_email() {
        let t = jwt(
            r#"{"sub":"108","email":"ada@example.com","aud":"client","exp":2000000000,"iss":"https://accounts.google.com"}"#,
        );
        assert_eq!(identity("Google", &t, "client", 1_800_000_000).unwrap(), ("108".into(), "ada@example.com".into()));
        let ms = jwt(
            r#"{"sub":"s","tid":"T","oid":"O","preferred_username":"ada@contoso.com","aud":["client"],"exp":2000000000}"#,
        );
        assert_eq!(identity("Outlook", &ms, "client", 1_800_000_000).unwrap().0, "T/O");
    }

    #[test]
    fn refuses_foreign_or_stale_tokens() {
        let other = jwt(r#"{"sub":"1","aud":"someone-else","exp":2000000000}"#);
        assert!(identity("G", &other, "client", 1_800_000_000).is_err());
        let stale = jwt(r#"{"sub":"1","aud":"client","exp":1000}"#);
        assert!(identity("G", &stale, "client", 1_800_000_000).is_err());
        assert!(identity("G", "garbage", "client", 0).is_err());
    }
}

//! The "who am I" check: one cheap authenticated call per provider (from the catalog's
//! `[check]`), which proves the credentials work and names the account they belong to.

use std::time::{Duration, Instant};

use serde_json::Value;

use super::ConnectError;
use super::credentials::Credentials;
use super::error::provider_message;
use crate::providers::Provider;

/// The account a connection reaches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    pub id: String,
    pub name: String,
}

#[derive(Debug, Clone)]
pub struct Checked {
    pub account: Account,
    pub millis: i64,
}

/// Fills `{name}` placeholders from the credentials' fields and the known identity.
pub fn fill(template: &str, creds: &Credentials, identity: &str) -> String {
    let mut out = template.replace("{identity}", identity);
    if let Credentials::Fields { values, .. } = creds {
        for (k, v) in values {
            out = out.replace(&format!("{{{k}}}"), v);
        }
    }
    // Placeholders with no value (an optional field left empty) become empty.
    while let (Some(start), Some(end)) = (out.find('{'), out.find('}')) {
        if end < start {
            break;
        }
        out.replace_range(start..=end, "");
    }
    out
}

/// The API base URL for a connection: stored at connect time when it is per account
/// (Salesforce instance, Mailchimp data centre), else the provider's, filled from fields.
pub fn base_url(provider: &Provider, creds: &Credentials, stored: &str) -> String {
    if !stored.is_empty() {
        return stored.trim_end_matches('/').to_owned();
    }
    fill(&provider.base_url, creds, "").trim_end_matches('/').to_owned()
}

/// Adds the provider's fixed headers and the connection's authentication to a request.
pub fn authenticate(
    mut req: reqwest::RequestBuilder,
    provider: &Provider,
    creds: &Credentials,
) -> reqwest::RequestBuilder {
    for (name, value) in &provider.spec.headers {
        req = req.header(name, value);
    }
    if let Some(token) = creds.token() {
        return req.bearer_auth(&token.access_token);
    }
    if let Some(key) = &provider.spec.api_key {
        let header = fill(&key.header, creds, "");
        let value = fill(&key.format, creds, "");
        if !header.is_empty() && !value.is_empty() {
            req = req.header(header, value);
        }
    }
    req
}

fn pointer_text(json: &Value, pointer: &str) -> Option<String> {
    match json.pointer(pointer)? {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// Runs the check. `identity` is what is known already (QuickBooks realm), for `{identity}`.
pub async fn run(
    http: &reqwest::Client,
    provider: &Provider,
    base: &str,
    creds: &Credentials,
    identity: &str,
) -> Result<Checked, ConnectError> {
    let name = provider.spec.name.as_str();
    let check = &provider.spec.check;
    if check.method == "SQL" {
        return super::check_postgres(name, creds, &check.path).await;
    }
    let path = fill(&check.path, creds, identity);
    let started = Instant::now();
    if path.is_empty() {
        // A generic HTTP API with no check path: nothing to call; the base URL is the account.
        return Ok(Checked { account: Account { id: base.into(), name: base.into() }, millis: 0 });
    }
    let url = format!("{base}{path}");
    let resp = authenticate(http.get(&url).header("accept", "application/json"), provider, creds)
        .send()
        .await
        .map_err(|e| ConnectError::from_reqwest(name, "the account check", &e))?;
    let status = resp.status().as_u16();
    let body = resp.text().await.map_err(|e| ConnectError::from_reqwest(name, "the account check", &e))?;
    let millis = i64::try_from(started.elapsed().as_millis()).unwrap_or(i64::MAX);
    match status {
        200..=299 => {}
        401 | 403 => {
            let message = provider_message(&body).unwrap_or_else(|| format!("HTTP {status}"));
            return Err(ConnectError::Auth { provider: name.into(), message });
        }
        _ => {
            let message = provider_message(&body).unwrap_or_else(|| "no error details".into());
            return Err(ConnectError::Provider { provider: name.into(), status, message });
        }
    }
    let json: Value = serde_json::from_str(&body).unwrap_or(Value::Null);
    let id = match &check.identity {
        Some(pointer) => pointer_text(&json, pointer).ok_or_else(|| ConnectError::Malformed {
            provider: name.into(),
            message: format!("the account check's answer has no {} (at {pointer})", check.identity_label),
        })?,
        None if !identity.is_empty() => identity.to_owned(),
        None => base.to_owned(),
    };
    let display = check.display.as_deref().and_then(|p| pointer_text(&json, p)).unwrap_or_else(|| id.clone());
    Ok(Checked { account: Account { id, name: display }, millis })
}

/// Bounded wait for a database check, so a black-holed host cannot hang a request.
pub const DB_CHECK_TIMEOUT: Duration = Duration::from_secs(10);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_fill_and_drop_missing() {
        let creds = Credentials::Fields {
            values: [
                ("base_url".to_owned(), "https://api.example.com".to_owned()),
                ("check_path".to_owned(), "/health".to_owned()),
            ]
            .into(),
            token: None,
        };
        assert_eq!(fill("{base_url}", &creds, ""), "https://api.example.com");
        assert_eq!(
            fill("/v3/company/{identity}/companyinfo/{identity}", &creds, "123"),
            "/v3/company/123/companyinfo/123"
        );
        assert_eq!(fill("{header}", &creds, ""), "");
        assert_eq!(pointer_text(&serde_json::json!({"portalId": 42}), "/portalId").as_deref(), Some("42"));
        assert_eq!(pointer_text(&serde_json::json!([{"tenantId": "t"}]), "/0/tenantId").as_deref(), Some("t"));
    }
}

//! Classifying HTTP answers and transport failures.

use std::time::Duration;

use reqwest::header::HeaderMap;
use serde_json::Value;

// The API's own error text: one reader for every provider and API.
use crate::connections::provider_words as api_message;
use crate::sync::connector::SyncError;

/// Wait when a 429 names no Retry-After (or one Hitch cannot read).
pub const DEFAULT_RETRY_AFTER: Duration = Duration::from_secs(10);

/// A transport failure: never the URL (it may carry a query with secrets), only the kind.
pub(super) fn transport(err: &reqwest::Error) -> SyncError {
    let what = if err.is_timeout() {
        "the API did not answer in time"
    } else if err.is_connect() {
        "could not reach the API (connection refused or unreachable)"
    } else if err.is_body() || err.is_decode() {
        "the API's answer broke off"
    } else {
        "the request to the API failed"
    };
    SyncError::retryable(what)
}

/// The wait a 429 asks for: `Retry-After` in seconds or as an HTTP date.
pub(super) fn retry_after(headers: &HeaderMap) -> Duration {
    let Some(value) = headers.get(reqwest::header::RETRY_AFTER).and_then(|v| v.to_str().ok()) else {
        return DEFAULT_RETRY_AFTER;
    };
    let value = value.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Duration::from_secs(secs);
    }
    match chrono::DateTime::parse_from_rfc2822(value) {
        Ok(at) => {
            let wait = at.with_timezone(&chrono::Utc) - chrono::Utc::now();
            // A date already past still means "not now": wait a second rather than hammer.
            wait.to_std().unwrap_or(Duration::ZERO).max(Duration::from_secs(1))
        }
        Err(_) => DEFAULT_RETRY_AFTER,
    }
}

/// Per-field complaints: `errors: [{"field"|"path"|"name"|"param": …, "message": …}]`, or
/// `errors: {"email": ["is invalid"]}` (the Rails shape).
pub(super) fn api_field_errors(body: &str) -> Vec<(String, String)> {
    let Ok(json) = serde_json::from_str::<Value>(body) else { return Vec::new() };
    let errors = json.get("errors").or_else(|| json.pointer("/error/errors"));
    match errors {
        Some(Value::Array(list)) => list
            .iter()
            .filter_map(|e| {
                let field = ["field", "path", "name", "param"].iter().find_map(|k| e.get(*k)?.as_str())?;
                let message = e.get("message").and_then(Value::as_str).unwrap_or("invalid");
                Some((field.to_owned(), message.to_owned()))
            })
            .collect(),
        Some(Value::Object(map)) => map
            .iter()
            .map(|(field, v)| {
                let message = match v {
                    Value::Array(a) => a.iter().filter_map(Value::as_str).collect::<Vec<_>>().join("; "),
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                (field.clone(), message)
            })
            .collect(),
        _ => Vec::new(),
    }
}

/// The classification of a non-2xx answer. `write` marks a write: its 4xx is the record's
/// fault, where a read's 4xx is the configuration's (both permanent, worded differently).
pub(super) fn status_error(status: u16, headers: &HeaderMap, body: &str, write: bool) -> SyncError {
    let said = api_message(body);
    let words = said.clone().unwrap_or_else(|| format!("HTTP {status}"));
    match status {
        429 => SyncError::RateLimited { retry_after: retry_after(headers) },
        401 | 403 => SyncError::Auth { message: format!("the API refused the credentials: {words}") },
        408 | 500..=599 => SyncError::retryable(format!("the API answered HTTP {status}: {words}")),
        _ => {
            let message = match (write, said) {
                (true, Some(m)) => m,
                (true, None) => format!("the API refused the record (HTTP {status})"),
                (false, Some(m)) => format!("the API answered HTTP {status}: {m}"),
                (false, None) => format!("the API answered HTTP {status}"),
            };
            SyncError::Permanent { message, fields: if write { api_field_errors(body) } else { Vec::new() } }
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_forms() {
        let mut h = HeaderMap::new();
        assert_eq!(retry_after(&h), DEFAULT_RETRY_AFTER);
        h.insert("retry-after", "7".parse().unwrap());
        assert_eq!(retry_after(&h), Duration::from_secs(7));
        let later =
            (chrono::Utc::now() + chrono::Duration::seconds(120)).format("%a, %d %b %Y %H:%M:%S GMT").to_string();
        h.insert("retry-after", later.parse().unwrap());
        let wait = retry_after(&h);
        assert!(wait > Duration::from_secs(100) && wait <= Duration::from_secs(120), "{wait:?}");
        h.insert("retry-after", "Wed, 21 Oct 2015 07:28:00 GMT".parse().unwrap());
        assert_eq!(retry_after(&h), Duration::from_secs(1));
        h.insert("retry-after", "soon".parse().unwrap());
        assert_eq!(retry_after(&h), DEFAULT_RETRY_AFTER);
    }

    #[test]
    fn messages_and_fields() {
        let body = r#"{"message": "Validation failed", "errors": [{"field": "email", "message": "is invalid"}]}"#;
        assert_eq!(api_message(body).as_deref(), Some("Validation failed"));
        assert_eq!(api_field_errors(body), vec![("email".to_owned(), "is invalid".to_owned())]);
        let rails = r#"{"errors": {"name": ["can't be blank"]}}"#;
        assert_eq!(api_field_errors(rails), vec![("name".to_owned(), "can't be blank".to_owned())]);
        let h = HeaderMap::new();
        assert_eq!(status_error(503, &h, "", false).kind(), "retryable");
        assert_eq!(status_error(401, &h, "", false).kind(), "auth");
        assert_eq!(status_error(422, &h, body, true).kind(), "permanent");
    }
}

//! What can go wrong talking to a provider, worded for the person who must act on it.

/// A failure while connecting, refreshing or checking. `Display` is fit to show a user: it
/// names the provider's own words where there are any and never contains a secret.
#[derive(Debug, Clone, thiserror::Error)]
pub enum ConnectError {
    /// The provider refused the grant or the credentials: a person must reconnect.
    #[error("{provider} refused the credentials: {message}")]
    Auth { provider: String, message: String },
    /// The provider answered with an error that is not about credentials.
    #[error("{provider} answered HTTP {status}: {message}")]
    Provider { provider: String, status: u16, message: String },
    #[error("{provider} did not answer in time ({what}). Try again in a moment.")]
    Timeout { provider: String, what: String },
    #[error("Could not reach {provider}: {message}")]
    Network { provider: String, message: String },
    /// The provider answered, but not in the shape its API documents.
    #[error("{provider} sent a response Hitch could not use: {message}")]
    Malformed { provider: String, message: String },
    /// Something about the request itself (a field missing, a URL that is not a URL).
    #[error("{0}")]
    Invalid(String),
    #[error("Hitch cannot use this connection's stored credentials ({0}); reconnect it.")]
    Secrets(String),
    /// Hitch's own database failed; the detail goes to the log, not to the user.
    #[error("Hitch could not save or read the connection. Nothing was changed; try again.")]
    Storage(String),
}

impl ConnectError {
    /// Whether waiting and trying again may help.
    pub fn is_retryable(&self) -> bool {
        match self {
            ConnectError::Timeout { .. } | ConnectError::Network { .. } => true,
            ConnectError::Provider { status, .. } => *status == 429 || *status >= 500,
            _ => false,
        }
    }

    /// Whether the connection needs a person to reconnect it.
    pub fn needs_reauth(&self) -> bool {
        matches!(self, ConnectError::Auth { .. } | ConnectError::Secrets(_))
    }

    /// Classifies a transport error from reqwest.
    pub fn from_reqwest(provider: &str, what: &str, err: &reqwest::Error) -> ConnectError {
        if err.is_timeout() {
            ConnectError::Timeout { provider: provider.into(), what: what.into() }
        } else {
            // reqwest's message names the URL, which may carry a Salesforce instance or a
            // query; keep only the kind of failure.
            let message = if err.is_connect() { "connection refused or unreachable" } else { "the request failed" };
            ConnectError::Network { provider: provider.into(), message: format!("{what}: {message}") }
        }
    }
}

/// The provider's own error text from a JSON error body, in the shapes providers use:
/// OAuth `error_description`/`error`, `message`, `error.message`, `errors[0].message`,
/// QuickBooks' `fault.faultstring`, and the problem-details `detail`/`title`. Empty strings
/// do not count: the next shape is tried.
pub fn provider_message(body: &str) -> Option<String> {
    let json: serde_json::Value = serde_json::from_str(body).ok()?;
    let text = |v: &serde_json::Value| v.as_str().filter(|s| !s.is_empty()).map(str::to_owned);
    let found = json
        .get("error_description")
        .and_then(text)
        .or_else(|| json.pointer("/error/message").and_then(text))
        .or_else(|| json.get("message").and_then(text))
        .or_else(|| json.pointer("/errors/0/message").and_then(text))
        .or_else(|| json.pointer("/fault/faultstring").and_then(text))
        .or_else(|| json.get("detail").and_then(text))
        .or_else(|| json.get("error").and_then(text))
        .or_else(|| json.get("title").and_then(text))?;
    Some(found.chars().take(300).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn provider_words_in_every_shape() {
        assert_eq!(
            provider_message(r#"{"error":"invalid_grant","error_description":"refresh token revoked"}"#).as_deref(),
            Some("refresh token revoked")
        );
        assert_eq!(
            provider_message(r#"{"error":{"type":"invalid_request_error","message":"Invalid API Key"}}"#).as_deref(),
            Some("Invalid API Key")
        );
        assert_eq!(
            provider_message(r#"{"errors":[{"field":null,"message":"authorization required"}]}"#).as_deref(),
            Some("authorization required")
        );
        assert_eq!(
            provider_message(r#"{"status":"error","message":"Authentication credentials not found"}"#).as_deref(),
            Some("Authentication credentials not found")
        );
        assert_eq!(provider_message("<html>oops</html>"), None);
    }

    #[test]
    fn classification() {
        let p = |status| ConnectError::Provider { provider: "X".into(), status, message: String::new() };
        assert!(p(503).is_retryable() && p(429).is_retryable() && !p(400).is_retryable());
        assert!(ConnectError::Auth { provider: "X".into(), message: "m".into() }.needs_reauth());
    }
}

//! One HTTP call to a provider, classified: 401 refreshes the token once and retries; 429
//! becomes `RateLimited` with the provider's Retry-After; 5xx and network trouble are
//! retryable; anything else is handed back for the connector to read.

use std::time::Duration;

use reqwest::header::HeaderMap;

use super::auth::ConnectionAuth;
use crate::connections::check;
use crate::sync::connector::SyncError;

/// When a 429 carries no Retry-After.
const DEFAULT_RETRY_AFTER: Duration = Duration::from_secs(10);

pub struct Reply {
    pub status: u16,
    pub body: String,
}

/// Seconds or an HTTP date, as RFC 9110 allows.
pub fn retry_after(headers: &HeaderMap) -> Duration {
    let Some(value) = headers.get("retry-after").and_then(|v| v.to_str().ok()) else { return DEFAULT_RETRY_AFTER };
    if let Ok(secs) = value.trim().parse::<u64>() {
        return Duration::from_secs(secs);
    }
    chrono::DateTime::parse_from_rfc2822(value)
        .ok()
        .and_then(|at| (at.with_timezone(&chrono::Utc) - chrono::Utc::now()).to_std().ok())
        .unwrap_or(DEFAULT_RETRY_AFTER)
}

/// Sends the request `build` makes (called again for the retry after a refresh).
pub async fn send(
    auth: &ConnectionAuth,
    build: impl Fn(&reqwest::Client, &str) -> reqwest::RequestBuilder,
) -> Result<Reply, SyncError> {
    let name = auth.provider().spec.name.clone();
    let base = auth.base_url().await;
    let mut creds = auth.current().await?;
    for attempt in 0..2 {
        if let Some(budget) = auth.budget() {
            budget.take().await?;
        }
        let request = check::authenticate(build(auth.http(), &base), auth.provider(), &creds);
        let resp = request.send().await.map_err(|e| {
            let what = if e.is_timeout() { "did not answer in time" } else { "could not be reached" };
            SyncError::retryable(format!("{name} {what}"))
        })?;
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let body = resp.text().await.map_err(|_| SyncError::retryable(format!("{name}'s answer was cut off")))?;
        match status {
            401 if attempt == 0 => {
                creds = auth.refreshed_after(&creds).await?;
            }
            401 => {
                let message = crate::connections::provider_words(&body).unwrap_or_else(|| "HTTP 401".into());
                auth.mark_needs_reauth(&message).await;
                return Err(SyncError::Auth { message: format!("{name} refused the credentials: {message}") });
            }
            429 => {
                let wait = retry_after(&headers);
                if let Some(budget) = auth.budget() {
                    budget.pause(wait).await;
                }
                return Err(SyncError::RateLimited { retry_after: wait });
            }
            500..=599 => {
                let words = crate::connections::provider_words(&body).unwrap_or_else(|| "no details".into());
                return Err(SyncError::retryable(format!("{name} answered HTTP {status}: {words}")));
            }
            _ => return Ok(Reply { status, body }),
        }
    }
    Err(SyncError::retryable(format!("{name} kept refusing the refreshed token")))
}

/// Parses a JSON answer, or says the provider sent something that is not JSON.
pub fn json<T: serde::de::DeserializeOwned>(provider: &str, reply: &Reply) -> Result<T, SyncError> {
    serde_json::from_str(&reply.body).map_err(|e| {
        SyncError::permanent(format!("{provider} sent a response that is not the JSON its API documents ({e})"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_forms() {
        let mut h = HeaderMap::new();
        assert_eq!(retry_after(&h), DEFAULT_RETRY_AFTER);
        h.insert("retry-after", reqwest::header::HeaderValue::from_static("3"));
        assert_eq!(retry_after(&h), Duration::from_secs(3));
        h.insert("retry-after", reqwest::header::HeaderValue::from_static("nonsense"));
        assert_eq!(retry_after(&h), DEFAULT_RETRY_AFTER);
    }
}

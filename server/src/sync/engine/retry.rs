//! Retrying a provider call the polite way: rate limits wait as long as the provider asks,
//! transient failures back off exponentially with jitter, anything else returns at once.

use std::future::Future;
use std::time::Duration;

use crate::sync::connector::SyncError;

/// Tries per call before giving up on a retryable failure.
pub const ATTEMPTS: u32 = 6;
/// The longest wait inside a run. A provider asking for a longer pause (an hourly or daily
/// quota) ends the run as rate limited at once: its job is queued again for after the pause
/// instead of holding a worker that long.
const MAX_WAIT: Duration = Duration::from_secs(60);

/// Exponential backoff from 0.5 s, doubled per attempt, with ±20 % jitter.
pub fn backoff(attempt: u32) -> Duration {
    let base = 500u64.saturating_mul(1 << attempt.min(10));
    let mut bytes = [0u8; 2];
    let _ = getrandom::fill(&mut bytes);
    let jitter = u64::from(u16::from_le_bytes(bytes)) % (base / 5 * 2 + 1);
    Duration::from_millis((base - base / 5 + jitter).min(30_000))
}

/// Runs `call` until it succeeds, fails for good, or the attempts are spent. `waited` hears
/// about each wait (for the run log).
pub async fn retry<T, F, Fut>(mut call: F, mut waited: impl FnMut(&SyncError, Duration)) -> Result<T, SyncError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, SyncError>>,
{
    let mut attempt = 0;
    loop {
        let err = match call().await {
            Ok(value) => return Ok(value),
            Err(err) => err,
        };
        let wait = match &err {
            SyncError::RateLimited { retry_after } if *retry_after > MAX_WAIT => return Err(err),
            SyncError::RateLimited { retry_after } => *retry_after,
            SyncError::Retryable { .. } => backoff(attempt),
            _ => return Err(err),
        };
        attempt += 1;
        if attempt >= ATTEMPTS {
            return Err(err);
        }
        waited(&err, wait);
        tokio::time::sleep(wait).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_with_jitter_and_a_ceiling() {
        let first = backoff(0).as_millis();
        assert!((400..=600).contains(&first), "{first}");
        let third = backoff(2).as_millis();
        assert!((1600..=2400).contains(&third), "{third}");
        assert!(backoff(20) <= Duration::from_secs(30));
    }

    #[tokio::test]
    async fn permanent_errors_are_not_retried() {
        let mut calls = 0;
        let out: Result<(), _> = retry(
            || {
                calls += 1;
                async { Err(SyncError::permanent("no")) }
            },
            |_, _| {},
        )
        .await;
        assert!(out.is_err());
        assert_eq!(calls, 1);
    }

    #[tokio::test]
    async fn rate_limits_wait_then_succeed() {
        let mut calls = 0;
        let mut waits = Vec::new();
        let out = retry(
            || {
                calls += 1;
                let n = calls;
                async move {
                    if n < 3 { Err(SyncError::RateLimited { retry_after: Duration::from_millis(20) }) } else { Ok(n) }
                }
            },
            |_, wait| waits.push(wait),
        )
        .await;
        assert_eq!(out, Ok(3));
        assert_eq!(waits, vec![Duration::from_millis(20), Duration::from_millis(20)]);
    }

    #[tokio::test]
    async fn a_long_pause_is_not_waited_out_inside_the_run() {
        let mut calls = 0;
        let out: Result<(), _> = retry(
            || {
                calls += 1;
                async { Err(SyncError::RateLimited { retry_after: Duration::from_secs(3600) }) }
            },
            |_, _| {},
        )
        .await;
        assert!(matches!(out, Err(SyncError::RateLimited { .. })));
        assert_eq!(calls, 1);
    }
}

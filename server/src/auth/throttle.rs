//! Sign-in throttling: after too many failures for one email, or from one address, within a
//! window, further attempts are refused without checking the password.

use crate::storage::{Store, StoreResult};

/// The window failures are counted in.
pub const WINDOW_MS: i64 = 15 * 60 * 1000;
/// Failures per email in the window before that email is locked out.
pub const MAX_PER_EMAIL: i64 = 5;
/// Failures per client address in the window (catches one address trying many emails).
pub const MAX_PER_IP: i64 = 30;

/// Refusal with the minutes until the oldest counted failure leaves the window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Throttled {
    pub retry_after_minutes: i64,
}

impl Throttled {
    pub fn message(&self) -> String {
        let m = self.retry_after_minutes;
        format!(
            "Too many failed sign-in attempts. Try again in {m} minute{}, or ask an admin of your workspace for help.",
            if m == 1 { "" } else { "s" }
        )
    }
}

/// Whether a sign-in attempt may proceed now.
pub async fn check(store: &Store, email: &str, ip: &str, now: i64) -> StoreResult<Result<(), Throttled>> {
    let (by_email, by_ip, oldest) = store.login_failures_since(email, ip, now - WINDOW_MS).await?;
    if by_email >= MAX_PER_EMAIL || by_ip >= MAX_PER_IP {
        let oldest = oldest.unwrap_or(now);
        let remaining_ms = (oldest + WINDOW_MS - now).max(0);
        let retry_after_minutes = (remaining_ms + 59_999) / 60_000;
        return Ok(Err(Throttled { retry_after_minutes: retry_after_minutes.max(1) }));
    }
    Ok(Ok(()))
}

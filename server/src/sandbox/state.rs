//! What the sandbox remembers and the types its handlers share: one [`Ledger`] (codes,
//! grants, tokens, settings, counters, faults) behind one `Mutex`. Handlers lock, change, copy
//! out what they need and unlock before any `.await`.

use std::collections::BTreeMap;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{SystemTime, UNIX_EPOCH};

use super::ledger::Ledger;
use super::pkce::Challenge;

/// Authorization codes are single use and live this long (seconds).
pub const CODE_TTL_SECS: u64 = 60;
/// Access-token lifetime unless the control API sets another.
pub const DEFAULT_ACCESS_TTL_SECS: u64 = 3600;

/// What the consent page approved, waiting to be exchanged at the token endpoint.
#[derive(Debug, Clone)]
pub struct PendingCode {
    pub provider: String,
    pub client_id: String,
    pub redirect_uri: String,
    pub scopes: Vec<String>,
    pub challenge: Option<Challenge>,
    pub account: String,
    /// Whether the authorization asked for offline access (a refresh token).
    pub offline: bool,
}

/// One authorization: the tokens issued from a code (and its refreshes) share it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    pub provider: String,
    pub client_id: String,
    pub scopes: Vec<String>,
    pub account: String,
    pub revoked: bool,
}

/// Fresh tokens from a successful grant.
#[derive(Debug, Clone)]
pub struct Issued {
    pub access_token: String,
    /// `None` when the provider's tokens never expire (Mailchimp).
    pub expires_in: Option<u64>,
    /// Set when a new refresh token was issued (code exchange, or rotation).
    pub refresh_token: Option<String>,
    pub grant: Grant,
}

/// An RFC 6749 error for the token endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OAuthError {
    pub error: &'static str,
    pub description: String,
}

/// Why an API call's token was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    Unknown,
    Expired { secs_ago: u64 },
    Revoked,
}

#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct Stats {
    pub token_requests: BTreeMap<String, u64>,
    pub refresh_reuse_rejected: u64,
    pub active_refresh_tokens: u64,
}

#[derive(Debug, Default)]
pub struct Shared {
    ledger: Mutex<Ledger>,
    clock_offset_secs: Mutex<u64>,
}

impl Shared {
    /// Locks the ledger. A panic while holding it cannot leave it half-written in a way that
    /// matters for a test double, so a poisoned lock is simply taken over.
    pub fn lock(&self) -> MutexGuard<'_, Ledger> {
        self.ledger.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Seconds since the Unix epoch, plus however far the clock was advanced.
    pub fn now(&self) -> u64 {
        let real = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
        real + *self.clock_offset_secs.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub fn advance_clock(&self, secs: u64) {
        *self.clock_offset_secs.lock().unwrap_or_else(PoisonError::into_inner) += secs;
    }
}

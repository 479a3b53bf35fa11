//! State shared by the CRM and payments stand-ins (HubSpot CRM v3, Stripe): their stores, the
//! per-provider rate limit and latency settings, and the small helpers both use (a seeded
//! random generator, word lists, a JSON writer, the sandbox clock in milliseconds).

pub mod control;
pub mod json;
pub mod limits;
pub mod rng;
pub mod words;

use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{SystemTime, UNIX_EPOCH};

use super::Sandbox;
use super::hubspot::store::Store as HubspotStore;
use super::stripe::store::Store as StripeStore;

/// Every stateful CRM stand-in, each behind its own lock. Handlers lock, work, copy out the
/// answer and unlock before any `.await`.
#[derive(Default)]
pub struct Crm {
    hubspot: Mutex<HubspotStore>,
    stripe: Mutex<StripeStore>,
    pub limits: limits::Limits,
}

impl Crm {
    pub fn hubspot(&self) -> MutexGuard<'_, HubspotStore> {
        self.hubspot.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub fn stripe(&self) -> MutexGuard<'_, StripeStore> {
        self.stripe.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// The sandbox clock (which `POST /_sandbox/clock/advance` moves) in milliseconds.
pub fn now_ms(sandbox: &Sandbox) -> i64 {
    let secs = i64::try_from(sandbox.shared.now()).unwrap_or(i64::MAX / 1000);
    let sub = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.subsec_millis()).unwrap_or(0);
    secs * 1000 + i64::from(sub)
}

/// A random-looking, unique id for error bodies (HubSpot's `correlationId` is a UUID).
pub fn correlation_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

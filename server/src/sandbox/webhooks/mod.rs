//! Webhooks the sandbox sends, signed the way each provider signs them, so Hitch's real-time
//! path runs locally: Stripe to the endpoints made through `/stripe/v1/webhook_endpoints`
//! (see `stripe/webhook_endpoints.rs`), HubSpot to the app's target URL set through
//! `/_sandbox/hubspot/webhooks` (see `hubspot/webhooks.rs`).
//!
//! After every request that may write (any method but GET), [`after_writes`] hands what the
//! stores noted as changed to the providers' senders (`stripe/notify.rs`,
//! `hubspot/notify.rs`), which queue deliveries on [`Outbound`]; the API answer never waits.
//!
//! Control: `GET /_sandbox/webhooks/deliveries[?provider=stripe|hubspot]` lists deliveries
//! with every attempt's status code (`DELETE` forgets them); `GET|POST
//! /_sandbox/webhooks/settings` `{"retry_delays_ms": [..], "timeout_ms": N}`.

mod log;
mod outbound;
pub mod sign;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use axum::Json;
use axum::extract::{Query, Request, State};
use axum::http::{Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::json;

pub use log::NewDelivery;
pub use outbound::{Outbound, Payload, Settings};

use super::Sandbox;
use super::data::control::bad;
use super::hubspot::webhooks::App as HubspotApp;
use super::stripe::webhook_endpoints::Endpoint as StripeEndpoint;

/// Where and how the sandbox sends webhooks, and the sender itself.
pub struct Hooks {
    pub outbound: Outbound,
    stripe: Mutex<Vec<StripeEndpoint>>,
    hubspot: Mutex<Option<HubspotApp>>,
    /// HubSpot event ids; started from the clock so a restarted sandbox does not repeat ids
    /// a receiver has already seen (and would drop as duplicates).
    hubspot_event_ids: AtomicU64,
}

impl Default for Hooks {
    fn default() -> Hooks {
        let start = u64::try_from(outbound::wall_clock_ms()).unwrap_or(0).saturating_mul(1000);
        Hooks {
            outbound: Outbound::default(),
            stripe: Mutex::default(),
            hubspot: Mutex::default(),
            hubspot_event_ids: AtomicU64::new(start),
        }
    }
}

impl Hooks {
    /// The Stripe account's webhook endpoints, oldest first.
    pub fn stripe_endpoints(&self) -> MutexGuard<'_, Vec<StripeEndpoint>> {
        self.stripe.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The HubSpot app's webhook settings, if set.
    pub fn hubspot_app(&self) -> MutexGuard<'_, Option<HubspotApp>> {
        self.hubspot.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub fn next_event_id(&self) -> u64 {
        self.hubspot_event_ids.fetch_add(1, Ordering::Relaxed) + 1
    }
}

/// The middleware in front of every sandbox route: run the request, then send what it
/// changed.
pub async fn after_writes(State(s): State<Arc<Sandbox>>, request: Request, next: Next) -> Response {
    let writes = request.method() != Method::GET;
    let response = next.run(request).await;
    if writes {
        super::stripe::notify::send_new_events(&s);
        super::hubspot::notify::send_changes(&s);
    }
    response
}

#[derive(Deserialize)]
pub struct DeliveriesQuery {
    provider: Option<String>,
}

pub async fn deliveries_get(State(s): State<Arc<Sandbox>>, Query(q): Query<DeliveriesQuery>) -> Response {
    match q.provider.as_deref() {
        None | Some("stripe" | "hubspot") => {
            Json(json!({"deliveries": s.hooks.outbound.deliveries(q.provider.as_deref())})).into_response()
        }
        Some(other) => bad(&format!("the sandbox sends webhooks for stripe and hubspot, not {other:?}")),
    }
}

pub async fn deliveries_delete(State(s): State<Arc<Sandbox>>) -> StatusCode {
    s.hooks.outbound.clear();
    StatusCode::NO_CONTENT
}

pub async fn settings_get(State(s): State<Arc<Sandbox>>) -> Json<Settings> {
    Json(s.hooks.outbound.settings())
}

pub async fn settings_post(State(s): State<Arc<Sandbox>>, Json(settings): Json<Settings>) -> Response {
    if let Err(message) = settings.validate() {
        return bad(&message);
    }
    s.hooks.outbound.set_settings(settings.clone());
    Json(settings).into_response()
}

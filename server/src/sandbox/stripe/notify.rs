//! Webhooks out of the one event log: after any request that may have changed customers (an
//! API write or a control-API touch or delete), the events it appended (the same `customer.*`
//! Event objects `GET /v1/events` serves) go to every webhook endpoint that enabled their
//! type, each as its own signed delivery.

use serde_json::Value;

use super::render;
use crate::sandbox::Sandbox;
use crate::sandbox::webhooks::{NewDelivery, Payload};

/// (id, type, Event object) of each event not sent yet, oldest first.
fn take_unsent(s: &Sandbox) -> Vec<(String, &'static str, Value)> {
    let mut store = s.crm.stripe();
    let seqs = std::mem::take(&mut store.unsent);
    seqs.iter()
        .filter_map(|seq| store.events.get(usize::try_from(*seq).ok()?.checked_sub(1)?))
        .map(|e| (store.id("evt", e.seq), e.kind.name(), render::event(&store, e)))
        .collect()
}

/// Queues a delivery per new event and interested endpoint.
pub fn send_new_events(s: &Sandbox) {
    let events = take_unsent(s);
    if events.is_empty() {
        return;
    }
    let endpoints = s.hooks.stripe_endpoints().clone();
    for (id, kind, mut event) in events {
        let targets: Vec<_> = endpoints.iter().filter(|e| e.wants(kind)).collect();
        // As at Stripe: how many endpoints have yet to confirm this event.
        event["pending_webhooks"] = Value::from(targets.len());
        let body = event.to_string();
        for endpoint in targets {
            let about = NewDelivery {
                provider: "stripe",
                url: endpoint.url.clone(),
                endpoint: Some(endpoint.id.clone()),
                event_ids: vec![id.clone()],
                event_types: vec![kind.to_owned()],
            };
            s.hooks.outbound.send(about, Payload::Stripe { secret: endpoint.secret.clone(), body: body.clone() });
        }
    }
}

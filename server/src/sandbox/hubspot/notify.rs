//! HubSpot webhooks: after any request that may have changed CRM records (a batch write, a
//! control-API touch or delete), each change the tables noted becomes one event per matching
//! subscription, and the events go to the app's target URL in batches of up to 100, signed
//! with `X-HubSpot-Signature-v3`. Events look like HubSpot's:
//! `{"eventId", "subscriptionId", "portalId", "appId", "occurredAt", "subscriptionType",
//! "attemptNumber", "objectId", "changeSource", "propertyName"?, "propertyValue"?}`.

use serde_json::{Value, json};

use super::schema::Object;
use super::store::{Change, Changed};
use super::webhooks::App;
use crate::sandbox::Sandbox;
use crate::sandbox::accounts::{HUBSPOT_APP_ID, HUBSPOT_PORTAL_ID};
use crate::sandbox::webhooks::{NewDelivery, Payload};

/// HubSpot sends at most this many events per request.
const BATCH: usize = 100;

/// Every change noted since the last call, per object (the tables forget them).
fn take_changes(s: &Sandbox) -> Vec<(Object, Changed)> {
    let mut store = s.crm.hubspot();
    Object::ALL
        .into_iter()
        .flat_map(|o| std::mem::take(&mut store.table_mut(o).changes).into_iter().map(move |c| (o, c)))
        .collect()
}

/// The events `app` subscribed to among `changes`; `next_id` numbers them.
fn events(app: &App, changes: &[(Object, Changed)], mut next_id: impl FnMut() -> u64) -> Vec<Value> {
    let mut out = Vec::new();
    for (object, changed) in changes {
        for sub in app.subscriptions.iter().filter(|sub| sub.wants(*object, &changed.change)) {
            let mut event = json!({
                "eventId": next_id(),
                "subscriptionId": sub.id,
                "portalId": HUBSPOT_PORTAL_ID,
                "appId": HUBSPOT_APP_ID,
                "occurredAt": changed.at,
                "subscriptionType": sub.event_type,
                "attemptNumber": 0,
                "objectId": changed.id,
                "changeSource": "API",
            });
            if let Change::Property(i, value) = &changed.change {
                event["propertyName"] = json!(object.props().get(*i).map(|p| p.name));
                event["propertyValue"] = json!(value.as_deref().unwrap_or(""));
            }
            out.push(event);
        }
    }
    out
}

/// Queues the subscribed events of everything that changed, in batches.
pub fn send_changes(s: &Sandbox) {
    let changes = take_changes(s);
    if changes.is_empty() {
        return;
    }
    let Some(app) = s.hooks.hubspot_app().clone() else { return };
    let events = events(&app, &changes, || s.hooks.next_event_id());
    for batch in events.chunks(BATCH) {
        let about = NewDelivery {
            provider: "hubspot",
            url: app.target_url.clone(),
            endpoint: None,
            event_ids: batch.iter().map(|e| e["eventId"].to_string()).collect(),
            event_types: batch.iter().filter_map(|e| e["subscriptionType"].as_str().map(str::to_owned)).collect(),
        };
        s.hooks
            .outbound
            .send(about, Payload::Hubspot { client_secret: app.client_secret.clone(), events: batch.to_vec() });
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::sandbox::hubspot::webhooks::tests::app_with;

    #[test]
    fn changes_become_events_for_matching_subscriptions_only() {
        let app = app_with(json!([
            {"eventType": "contact.creation"},
            {"eventType": "contact.propertyChange", "propertyName": "email"}
        ]));
        let changes = vec![
            (Object::Contacts, Changed { id: 7, at: 1_000, change: Change::Created }),
            (Object::Contacts, Changed { id: 7, at: 1_001, change: Change::Property(0, Some("a@b.example".into())) }),
            (Object::Contacts, Changed { id: 7, at: 1_002, change: Change::Property(1, Some("Ann".into())) }),
            (Object::Companies, Changed { id: 8, at: 1_003, change: Change::Created }),
            (Object::Contacts, Changed { id: 7, at: 1_004, change: Change::Property(0, None) }),
        ];
        let mut n = 40;
        let got = events(&app, &changes, || {
            n += 1;
            n
        });
        let summary: Vec<(u64, &str, Option<&str>)> = got
            .iter()
            .map(|e| {
                (e["eventId"].as_u64().unwrap(), e["subscriptionType"].as_str().unwrap(), e["propertyValue"].as_str())
            })
            .collect();
        assert_eq!(
            summary,
            [
                (41, "contact.creation", None),
                (42, "contact.propertyChange", Some("a@b.example")),
                (43, "contact.propertyChange", Some(""))
            ]
        );
        assert_eq!(got[1]["propertyName"], "email");
        assert_eq!((got[0]["objectId"].as_u64(), got[0]["occurredAt"].as_i64()), (Some(7), Some(1_000)));
        assert_eq!(
            (got[0]["portalId"].as_u64(), got[0]["subscriptionId"].as_u64()),
            (Some(HUBSPOT_PORTAL_ID), Some(1))
        );
    }
}

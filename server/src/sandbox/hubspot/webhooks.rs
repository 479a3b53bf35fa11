//! `/_sandbox/hubspot/webhooks`: the app's webhook settings, which at HubSpot live in the
//! developer account (target URL, subscriptions) and the app itself (its client secret signs
//! every delivery). `PUT` replaces them:
//! `{"targetUrl", "clientSecret"?, "subscriptions": [{"eventType", "propertyName"?, "active"?}]}`
//! with `eventType` one of `{contact|company|deal}.{creation|deletion|propertyChange}` and
//! `propertyName` required for (and only for) `propertyChange`, as at HubSpot. Without
//! `clientSecret` the sandbox app's own secret is used; subscriptions are active unless
//! `"active": false` (a convenience: HubSpot creates them paused). `GET` shows the settings
//! without the secret; `DELETE` turns webhooks off.

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::schema::Object;
use super::store::Change;
use crate::providers::SANDBOX_CLIENT_SECRET;
use crate::sandbox::Sandbox;
use crate::sandbox::accounts::HUBSPOT_APP_ID;
use crate::sandbox::data::control::bad;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Action {
    Creation,
    Deletion,
    PropertyChange,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Subscription {
    pub id: u64,
    pub event_type: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub property_name: Option<String>,
    pub active: bool,
    #[serde(skip)]
    object: Object,
    #[serde(skip)]
    action: Action,
}

impl Subscription {
    /// Whether this subscription reports `change` to a record of `object`.
    pub fn wants(&self, object: Object, change: &Change) -> bool {
        if !self.active || self.object != object {
            return false;
        }
        match (self.action, change) {
            (Action::Creation, Change::Created) | (Action::Deletion, Change::Deleted) => true,
            (Action::PropertyChange, Change::Property(i, _)) => {
                object.props().get(*i).is_some_and(|p| Some(p.name) == self.property_name.as_deref())
            }
            _ => false,
        }
    }
}

/// The app's webhook settings.
#[derive(Debug, Clone)]
pub struct App {
    pub target_url: String,
    pub client_secret: String,
    pub subscriptions: Vec<Subscription>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct SettingsBody {
    target_url: String,
    #[serde(default)]
    client_secret: Option<String>,
    #[serde(default)]
    subscriptions: Vec<SubscriptionBody>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct SubscriptionBody {
    event_type: String,
    #[serde(default)]
    property_name: Option<String>,
    #[serde(default = "yes")]
    active: bool,
}

fn yes() -> bool {
    true
}

fn subscription(id: u64, body: SubscriptionBody) -> Result<Subscription, String> {
    let SubscriptionBody { event_type, property_name, active } = body;
    let (noun, verb) = event_type.split_once('.').unwrap_or(("", ""));
    let object = Object::ALL.into_iter().find(|o| o.singular() == noun);
    let action = match verb {
        "creation" => Some(Action::Creation),
        "deletion" => Some(Action::Deletion),
        "propertyChange" => Some(Action::PropertyChange),
        _ => None,
    };
    let (Some(o), Some(action)) = (object, action) else {
        return Err(format!(
            "eventType {event_type:?} is not one the sandbox sends: {{contact|company|deal}}.{{creation|deletion|propertyChange}}"
        ));
    };
    match (action, property_name.as_deref()) {
        (Action::PropertyChange, None) => return Err(format!("{event_type} needs a propertyName")),
        (Action::PropertyChange, Some(p)) if !o.props().iter().any(|prop| prop.name == p) => {
            return Err(format!("{} have no property {p:?}", o.name()));
        }
        (Action::Creation | Action::Deletion, Some(_)) => {
            return Err(format!("propertyName only goes with propertyChange, not {event_type}"));
        }
        _ => {}
    }
    Ok(Subscription { id, event_type, property_name, active, object: o, action })
}

fn app(body: SettingsBody) -> Result<App, String> {
    let target = url::Url::parse(&body.target_url).map_err(|e| format!("targetUrl is not a URL: {e}"))?;
    if !matches!(target.scheme(), "http" | "https") {
        return Err("targetUrl must be http or https".into());
    }
    let client_secret = body.client_secret.unwrap_or_else(|| SANDBOX_CLIENT_SECRET.to_owned());
    if client_secret.is_empty() || client_secret.len() > 512 {
        return Err("clientSecret must be 1 to 512 characters".into());
    }
    let subscriptions =
        body.subscriptions.into_iter().zip(1..).map(|(s, id)| subscription(id, s)).collect::<Result<Vec<_>, _>>()?;
    Ok(App { target_url: body.target_url, client_secret, subscriptions })
}

fn shown(app: &App) -> serde_json::Value {
    json!({"appId": HUBSPOT_APP_ID, "targetUrl": app.target_url, "subscriptions": app.subscriptions})
}

pub async fn webhooks_put(State(s): State<Arc<Sandbox>>, Json(body): Json<SettingsBody>) -> Response {
    match app(body) {
        Ok(app) => {
            let out = shown(&app);
            // Not the URL: a receiver's URL may itself be a credential (Hitch's /hooks/{id} is).
            tracing::info!(subscriptions = app.subscriptions.len(), "sandbox: hubspot webhook settings saved");
            *s.hooks.hubspot_app() = Some(app);
            Json(out).into_response()
        }
        Err(message) => bad(&message),
    }
}

pub async fn webhooks_get(State(s): State<Arc<Sandbox>>) -> Response {
    match &*s.hooks.hubspot_app() {
        Some(app) => Json(shown(app)).into_response(),
        None => crate::sandbox::not_found_json("No webhook settings: PUT them first."),
    }
}

pub async fn webhooks_delete(State(s): State<Arc<Sandbox>>) -> StatusCode {
    *s.hooks.hubspot_app() = None;
    StatusCode::NO_CONTENT
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
pub(super) mod tests {
    use super::*;

    fn body(subscriptions: serde_json::Value) -> SettingsBody {
        serde_json::from_value(json!({"targetUrl": "http://127.0.0.1:9/hooks/x", "subscriptions": subscriptions}))
            .unwrap()
    }

    /// An app sending to a dead address with these subscriptions.
    pub fn app_with(subscriptions: serde_json::Value) -> App {
        app(body(subscriptions)).unwrap()
    }

    #[test]
    fn subscriptions_match_their_object_action_and_property() {
        let app = app(body(json!([
            {"eventType": "contact.creation"},
            {"eventType": "contact.propertyChange", "propertyName": "jobtitle"},
            {"eventType": "deal.deletion", "active": false}
        ])))
        .unwrap();
        assert_eq!(app.client_secret, SANDBOX_CLIENT_SECRET);
        let (created, changed, paused) = (&app.subscriptions[0], &app.subscriptions[1], &app.subscriptions[2]);
        assert!(created.wants(Object::Contacts, &Change::Created));
        assert!(!created.wants(Object::Companies, &Change::Created));
        let jobtitle = Object::Contacts.props().iter().position(|p| p.name == "jobtitle").unwrap();
        assert!(changed.wants(Object::Contacts, &Change::Property(jobtitle, None)));
        assert!(!changed.wants(Object::Contacts, &Change::Property(0, None)));
        assert!(!paused.wants(Object::Deals, &Change::Deleted));
        assert_eq!((created.id, changed.id, paused.id), (1, 2, 3));
    }

    #[test]
    fn bad_settings_are_refused() {
        for subs in [
            json!([{"eventType": "contacts.creation"}]),
            json!([{"eventType": "contact.merge"}]),
            json!([{"eventType": "contact.propertyChange"}]),
            json!([{"eventType": "contact.propertyChange", "propertyName": "nosuch"}]),
            json!([{"eventType": "contact.creation", "propertyName": "email"}]),
        ] {
            assert!(app(body(subs.clone())).is_err(), "{subs}");
        }
        let ftp = serde_json::from_value(json!({"targetUrl": "ftp://x/y"})).unwrap();
        assert!(app(ftp).is_err());
    }
}

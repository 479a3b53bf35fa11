//! A recipe's webhook endpoints, as its page shows them.

use super::{Choice, FieldState, Timestamp};

/// One endpoint: the URL to give the provider and how deliveries are signed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WebhookRow {
    /// The endpoint's id, posted as `endpoint` to revoke it.
    pub id: String,
    pub url: String,
    /// "Stripe", "HubSpot (v3 signature)", "Generic HMAC, event id at /id"
    pub scheme: String,
    pub created: Timestamp,
    /// None while active.
    pub revoked: Option<Timestamp>,
}

/// An event an endpoint received.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WebhookEventRow {
    pub received: Timestamp,
    /// The provider's event type, e.g. "customer.updated"; may be empty.
    pub kind: String,
    pub event_id: String,
    pub run_href: Option<String>,
}

/// The endpoint just created: its secret is shown on this page only.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewWebhookView {
    pub url: String,
    /// The generated secret; None when the person brought their own (HubSpot's client
    /// secret), which is never echoed back.
    pub secret: Option<String>,
}

/// The create form. POSTs `create_action` with `csrf`, `scheme` ("" = follow the source,
/// stripe, hubspot_v3, generic), `event_id_pointer` and `secret` (both optional).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WebhookFormView {
    pub scheme: FieldState,
    /// (value, label); the first, "", follows the recipe's source.
    pub schemes: Vec<Choice>,
    pub event_id_pointer: FieldState,
    /// Never pre-filled; only its error comes back.
    pub secret_error: Option<String>,
}

/// The Webhooks section of a recipe's page. Revoke POSTs `revoke_action` with `csrf` and
/// `endpoint`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WebhooksView {
    pub endpoints: Vec<WebhookRow>,
    pub events: Vec<WebhookEventRow>,
    pub can_edit: bool,
    pub create_action: String,
    pub revoke_action: String,
    pub form: WebhookFormView,
    pub created: Option<NewWebhookView>,
}

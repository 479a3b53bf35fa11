//! A stateful stand-in for Stripe (API version 2023-08-16) under `/stripe`: customers
//! (list, create, update, delete, with `Idempotency-Key`), seeded read-only invoices and
//! charges linked to customers, the `customer.*` event log with Stripe's cursor
//! pagination and 30-day retention, and webhook endpoints that receive those events signed
//! as Stripe signs them. Control API under `/_sandbox/stripe/`.

mod control;
mod customers;
mod errors;
mod list;
pub mod notify;
mod render;
mod seed;
pub mod store;
pub mod webhook_endpoints;

use std::sync::Arc;

use axum::Router;
use axum::routing::{get, post};

use super::Sandbox;
use super::data::{control as shared_control, limits};

pub fn routes(sandbox: Arc<Sandbox>) -> Router<Arc<Sandbox>> {
    let api = Router::new()
        .route("/stripe/v1/customers", get(list::customers_get).post(customers::create_post))
        .route(
            "/stripe/v1/customers/{id}",
            get(customers::customer_get).post(customers::update_post).delete(customers::customer_delete),
        )
        .route("/stripe/v1/invoices", get(list::invoices_get))
        .route("/stripe/v1/invoices/{id}", get(list::invoice_get))
        .route("/stripe/v1/charges", get(list::charges_get))
        .route("/stripe/v1/charges/{id}", get(list::charge_get))
        .route("/stripe/v1/events", get(list::events_get))
        .route("/stripe/v1/events/{id}", get(list::event_get))
        .route("/stripe/v1/webhook_endpoints", get(webhook_endpoints::list_get).post(webhook_endpoints::create_post))
        .route(
            "/stripe/v1/webhook_endpoints/{id}",
            get(webhook_endpoints::endpoint_get)
                .post(webhook_endpoints::endpoint_update_post)
                .delete(webhook_endpoints::endpoint_delete),
        )
        .route_layer(axum::middleware::from_fn_with_state(sandbox, limits::enforce));
    let control = Router::new()
        .route("/_sandbox/stripe/reset", post(control::reset_post))
        .route("/_sandbox/stripe/settings", post(shared_control::stripe_settings_post))
        .route("/_sandbox/stripe/{object}", get(control::records_get))
        .route("/_sandbox/stripe/{object}/touch", post(control::touch_post))
        .route("/_sandbox/stripe/{object}/delete", post(control::delete_post));
    api.merge(control)
}

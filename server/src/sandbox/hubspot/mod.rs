//! A stateful stand-in for HubSpot CRM v3 (contacts, companies, deals) under `/hubspot`:
//! list with `after` paging, search with filters and the 10,000-result cap, batch
//! create/update/upsert/archive with 207 multi-status, the properties API, HubSpot's error
//! bodies and rate-limit headers, and the app's webhooks (signed batches of
//! creation/deletion/propertyChange events). Control API under `/_sandbox/hubspot/`.

mod batch;
mod control;
mod errors;
mod filter;
mod list;
pub mod notify;
mod properties;
mod render;
pub mod schema;
mod search;
mod seed;
pub mod store;
mod validate;
pub mod webhooks;

use std::sync::Arc;

use axum::Router;
use axum::routing::{get, post};

use super::Sandbox;
use super::data::{control as shared_control, limits};

pub fn routes(sandbox: Arc<Sandbox>) -> Router<Arc<Sandbox>> {
    let api = Router::new()
        .route("/hubspot/crm/v3/objects/{object}", get(list::list_get))
        .route("/hubspot/crm/v3/objects/{object}/search", post(search::search_post))
        .route("/hubspot/crm/v3/objects/{object}/batch/{action}", post(batch::batch_post))
        .route("/hubspot/crm/v3/properties/{object}", get(properties::properties_get))
        .route_layer(axum::middleware::from_fn_with_state(sandbox, limits::enforce));
    let control = Router::new()
        .route("/_sandbox/hubspot/reset", post(control::reset_post))
        .route("/_sandbox/hubspot/settings", post(shared_control::hubspot_settings_post))
        .route(
            "/_sandbox/hubspot/webhooks",
            get(webhooks::webhooks_get).put(webhooks::webhooks_put).delete(webhooks::webhooks_delete),
        )
        .route("/_sandbox/hubspot/{object}", get(control::records_get))
        .route("/_sandbox/hubspot/{object}/touch", post(control::touch_post))
        .route("/_sandbox/hubspot/{object}/delete", post(control::delete_post));
    api.merge(control)
}

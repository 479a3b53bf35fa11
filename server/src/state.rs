//! What every handler can reach.

use std::sync::Arc;

use crate::config::Settings;
use crate::metrics::Metrics;
use crate::providers::Catalog;
use crate::secrets::Secrets;
use crate::storage::Store;
use crate::webhooks::{EndpointCache, Ingest};

#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    pub settings: Arc<Settings>,
    pub secrets: Arc<Secrets>,
    pub catalog: Catalog,
    /// For calls to providers: no redirects followed, bounded timeouts.
    pub http: reqwest::Client,
    pub metrics: Arc<Metrics>,
    /// Webhook endpoint rows by id (`/hooks/{id}` reads them here first).
    pub hook_endpoints: Arc<EndpointCache>,
    /// The group-commit writer of webhook deliveries.
    pub ingest: Ingest,
}

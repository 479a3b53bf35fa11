//! What every handler can reach.

use std::sync::Arc;

use crate::config::Settings;
use crate::metrics::Metrics;
use crate::secrets::Keyring;
use crate::storage::Store;

#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    pub settings: Arc<Settings>,
    pub keyring: Arc<Keyring>,
    pub metrics: Arc<Metrics>,
}

//! The connectors, and choosing one for a connection.

mod auth;
pub mod budget;
mod calls;
pub mod http;
pub mod hubspot;
pub mod postgres;
pub mod stripe;

pub use auth::{ConnectionAuth, from_connect};

use crate::state::AppState;
use crate::storage::Connection;
use crate::sync::connector::{Connector, SyncError};

/// The connector for a connection, ready to use (its token refreshed if it was expiring).
pub async fn for_connection(state: &AppState, connection: &Connection) -> Result<Box<dyn Connector>, SyncError> {
    match connection.provider.as_str() {
        "hubspot" => Ok(Box::new(hubspot::HubSpot::new(ConnectionAuth::new(state, connection).await?))),
        "stripe" => Ok(Box::new(stripe::Stripe::new(ConnectionAuth::new(state, connection).await?))),
        "http" => {
            let creds =
                crate::connections::credentials::Credentials::open(&state.secrets, connection).map_err(from_connect)?;
            let objects: Vec<http::HttpObjectConfig> = match creds.field("objects").filter(|s| !s.trim().is_empty()) {
                Some(text) => serde_json::from_str(text).map_err(|e| {
                    SyncError::permanent(format!(
                        "the connection's \"Objects to sync\" is not valid (reconnect it to fix): {e}"
                    ))
                })?,
                None => Vec::new(),
            };
            let provider = state
                .catalog
                .get("http")
                .cloned()
                .ok_or_else(|| SyncError::permanent("the http provider is missing"))?;
            Ok(Box::new(http::HttpConnector::new(state.http.clone(), provider, creds, objects)?))
        }
        "postgres" => {
            let creds =
                crate::connections::credentials::Credentials::open(&state.secrets, connection).map_err(from_connect)?;
            let url = creds.field("url").ok_or_else(|| SyncError::permanent("the connection has no database URL"))?;
            Ok(Box::new(postgres::PostgresConnector::connect(url).await?))
        }
        other => Err(SyncError::permanent(format!(
            "Recipes cannot use {other} connections yet: HubSpot, Stripe, PostgreSQL and HTTP/JSON APIs can be synced today"
        ))),
    }
}

//! A connection's credentials as a connector uses them: fresh before each call (refreshed
//! early by the token lifecycle), and refreshed once more when the provider answers 401.

use tokio::sync::Mutex;

use crate::connections::credentials::Credentials;
use crate::connections::{ConnectError, check, refresh};
use crate::providers::Provider;
use crate::state::AppState;
use crate::storage::Connection;
use crate::sync::connector::SyncError;

pub struct ConnectionAuth {
    state: AppState,
    connection: Connection,
    provider: Provider,
    creds: Mutex<Credentials>,
    budget: Option<super::budget::RequestBudget>,
}

impl ConnectionAuth {
    pub async fn new(state: &AppState, connection: &Connection) -> Result<ConnectionAuth, SyncError> {
        let provider = state
            .catalog
            .get(&connection.provider)
            .cloned()
            .ok_or_else(|| SyncError::permanent(format!("unknown provider {:?}", connection.provider)))?;
        let creds = refresh::fresh_credentials(state, connection, None).await.map_err(from_connect)?;
        Ok(ConnectionAuth {
            state: state.clone(),
            connection: connection.clone(),
            provider,
            creds: Mutex::new(creds),
            budget: super::budget::RequestBudget::for_connection(state, connection),
        })
    }

    /// The connection's shared request budget, if its provider has a rate limit.
    pub fn budget(&self) -> Option<&super::budget::RequestBudget> {
        self.budget.as_ref()
    }

    pub fn provider(&self) -> &Provider {
        &self.provider
    }

    pub fn http(&self) -> &reqwest::Client {
        &self.state.http
    }

    /// The API base URL of this connection.
    pub async fn base_url(&self) -> String {
        check::base_url(&self.provider, &*self.creds.lock().await, &self.connection.base_url)
    }

    /// The credentials to use now (refreshed first if they expire soon).
    pub async fn current(&self) -> Result<Credentials, SyncError> {
        let mut creds = self.creds.lock().await;
        let fresh = refresh::fresh_credentials(&self.state, &self.connection, None).await.map_err(from_connect)?;
        *creds = fresh.clone();
        Ok(fresh)
    }

    /// After a 401 with `used`: refresh once (one refresher across processes) and return
    /// the new credentials, or the auth error that makes the connection need a person.
    pub async fn refreshed_after(&self, used: &Credentials) -> Result<Credentials, SyncError> {
        let stale = used.token().map(|t| t.access_token.clone());
        if stale.is_none() {
            return Err(SyncError::Auth { message: format!("{} refused the credentials", self.provider.spec.name) });
        }
        let mut creds = self.creds.lock().await;
        let fresh =
            refresh::fresh_credentials(&self.state, &self.connection, stale.as_deref()).await.map_err(from_connect)?;
        *creds = fresh.clone();
        Ok(fresh)
    }

    /// Marks the connection as needing a person (the provider refused it for good).
    pub async fn mark_needs_reauth(&self, message: &str) {
        let err = ConnectError::Auth { provider: self.provider.spec.name.clone(), message: message.into() };
        if let Err(e) = refresh::mark_needs_reauth(&self.state, &self.connection, &err).await {
            tracing::warn!(error = %e, "could not mark the connection as needing reconnect");
        }
    }
}

/// A connection problem as the sync engine classifies it.
pub fn from_connect(err: ConnectError) -> SyncError {
    if err.needs_reauth() {
        SyncError::Auth { message: err.to_string() }
    } else if err.is_retryable() {
        SyncError::retryable(err.to_string())
    } else {
        SyncError::permanent(err.to_string())
    }
}

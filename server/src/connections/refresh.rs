//! Keeping tokens fresh.
//!
//! A token is refreshed shortly before it expires (not only after a 401), and once after a
//! 401 in case the provider ended it early. Only one process refreshes a connection at a
//! time: it takes a lease on the connection row (a conditional UPDATE, so it works the same
//! on SQLite and PostgreSQL and across any number of processes); the others wait for the
//! lease to go and read the token it stored. Providers that rotate refresh tokens (Xero,
//! QuickBooks, Microsoft) retire the old one on use, so two refreshers would lock the
//! account out; the lease prevents that. A provider that sends no new refresh token keeps
//! the old one. `invalid_grant` marks the connection `needs_reauth` and records an event.

use std::time::Duration;

use super::ConnectError;
use super::credentials::{Credentials, OAuthToken};
use super::token::{self, Client, Grant};
use crate::providers::{ClientAuth, Provider, RefreshKind};
use crate::state::AppState;
use crate::storage::{Connection, ConnectionStatus, now_ms};

/// Refresh this long before expiry, so a token never expires mid-run.
pub const REFRESH_EARLY_MS: i64 = 5 * 60 * 1000;
/// How long a refresher may hold the lease before others may take over.
const LEASE_MS: i64 = 30_000;
/// How long a waiter waits for another process's refresh.
const WAIT: Duration = Duration::from_secs(35);

fn needs_refresh(token: &OAuthToken, now: i64) -> bool {
    token.expires_at.is_some_and(|at| at - now < REFRESH_EARLY_MS)
}

/// The connection's credentials with a usable token: refreshed first when it expires soon,
/// or when `stale` (a token the provider just refused with 401) is still the stored one.
pub async fn fresh_credentials(
    state: &AppState,
    connection: &Connection,
    stale: Option<&str>,
) -> Result<Credentials, ConnectError> {
    let provider = state
        .catalog
        .get(&connection.provider)
        .ok_or_else(|| ConnectError::Invalid(format!("Unknown provider {:?}.", connection.provider)))?;
    let creds = Credentials::open(&state.secrets, connection)?;
    if !must_refresh(provider, &creds, stale) {
        return Ok(creds);
    }
    let scope = state.store.tenant(&connection.tenant_id);
    let owner = uuid::Uuid::new_v4().to_string();
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        if scope.try_lock_refresh(&connection.id, &owner, LEASE_MS).await.map_err(store_err)? {
            // Re-read under the lease: another process may have refreshed meanwhile.
            let current = scope.connection(&connection.id).await.map_err(store_err)?;
            let creds = Credentials::open(&state.secrets, &current)?;
            if !must_refresh(provider, &creds, stale) {
                scope.release_refresh(&connection.id, &owner).await.map_err(store_err)?;
                return Ok(creds);
            }
            let refreshed = refresh(state, provider, &current, creds).await;
            return finish(state, &current, &owner, refreshed).await;
        }
        if tokio::time::Instant::now() >= deadline {
            return Err(ConnectError::Timeout {
                provider: provider.spec.name.clone(),
                what: "another process's token refresh".into(),
            });
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
        if !scope.refresh_locked(&connection.id).await.map_err(store_err)? {
            let current = scope.connection(&connection.id).await.map_err(store_err)?;
            let creds = Credentials::open(&state.secrets, &current)?;
            if current.status == ConnectionStatus::NeedsReauth {
                return Err(ConnectError::Auth {
                    provider: provider.spec.name.clone(),
                    message: current.status_reason,
                });
            }
            if !must_refresh(provider, &creds, stale) {
                return Ok(creds);
            }
        }
    }
}

fn must_refresh(provider: &Provider, creds: &Credentials, stale: Option<&str>) -> bool {
    let Some(token) = creds.token() else {
        return false;
    };
    let refreshable = token.refresh_token.is_some() || provider.spec.basic.is_some();
    let stale_now = stale.is_some_and(|s| s == token.access_token);
    refreshable
        && (stale_now || needs_refresh(token, now_ms()))
        && provider.spec.oauth2.as_ref().is_none_or(|o| o.refresh != RefreshKind::None)
}

/// One refresh request: the refresh-token grant, or PayPal's client-credentials grant.
async fn refresh(
    state: &AppState,
    provider: &Provider,
    connection: &Connection,
    creds: Credentials,
) -> Result<Credentials, ConnectError> {
    match creds {
        Credentials::OAuth(old) => {
            let refresh_token = old.refresh_token.clone().ok_or_else(|| ConnectError::Auth {
                provider: provider.spec.name.clone(),
                message: "the access token expired and the provider gave no refresh token".into(),
            })?;
            let client = oauth_client(provider)?;
            let resp = token::request(&state.http, &client, Grant::RefreshToken(&refresh_token)).await?;
            let mut token = resp.token;
            // Providers that do not rotate send no refresh token: keep the one we have.
            if token.refresh_token.is_none() {
                token.refresh_token = Some(refresh_token);
            }
            Ok(Credentials::OAuth(token))
        }
        Credentials::Fields { values, .. } => {
            let base = super::check::base_url(
                provider,
                &Credentials::Fields { values: values.clone(), token: None },
                &connection.base_url,
            );
            let token = client_credentials_token(&state.http, provider, &base, &values).await?;
            Ok(Credentials::Fields { values, token: Some(token) })
        }
    }
}

/// The OAuth app's client for a provider, or why it is not configured.
pub fn oauth_client(provider: &Provider) -> Result<Client<'_>, ConnectError> {
    let spec = provider
        .spec
        .oauth2
        .as_ref()
        .ok_or_else(|| ConnectError::Invalid(format!("{} does not use OAuth.", provider.spec.name)))?;
    let not_configured = || {
        ConnectError::Invalid(format!(
            "No OAuth app is configured for {}: set HITCH_PROVIDER_{}_CLIENT_ID and _CLIENT_SECRET.",
            provider.spec.name,
            provider.spec.id.to_uppercase()
        ))
    };
    Ok(Client {
        provider: &provider.spec.name,
        token_url: provider.token_url.as_deref().ok_or_else(not_configured)?,
        id: provider.client_id.as_deref().ok_or_else(not_configured)?,
        secret: provider.client_secret.as_ref().map(|s| s.expose()).unwrap_or_default(),
        auth: spec.client_auth,
        json_body: spec.token_request.as_deref() == Some("json"),
    })
}

/// PayPal-style apps: the user's client id and secret buy a short-lived token.
pub async fn client_credentials_token(
    http: &reqwest::Client,
    provider: &Provider,
    base: &str,
    values: &std::collections::BTreeMap<String, String>,
) -> Result<OAuthToken, ConnectError> {
    let basic = provider
        .spec
        .basic
        .as_ref()
        .ok_or_else(|| ConnectError::Invalid("not a client-credentials provider".into()))?;
    let field = |name: &str| values.get(name).map(String::as_str).unwrap_or_default();
    let token_url = format!("{base}{}", basic.token_path);
    let client = Client {
        provider: &provider.spec.name,
        token_url: &token_url,
        id: field("client_id"),
        secret: field("client_secret"),
        auth: ClientAuth::Basic,
        json_body: false,
    };
    Ok(token::request(http, &client, Grant::ClientCredentials).await?.token)
}

/// Stores the outcome: new credentials (releasing the lease), or `needs_reauth` on a dead grant.
async fn finish(
    state: &AppState,
    connection: &Connection,
    owner: &str,
    refreshed: Result<Credentials, ConnectError>,
) -> Result<Credentials, ConnectError> {
    let scope = state.store.tenant(&connection.tenant_id);
    match refreshed {
        Ok(creds) => {
            let sealed = match creds.seal(&state.secrets, &connection.tenant_id, &connection.id) {
                Ok(sealed) => sealed,
                Err(err) => {
                    scope.release_refresh(&connection.id, owner).await.map_err(store_err)?;
                    return Err(err);
                }
            };
            if !scope.store_refreshed(&connection.id, owner, &sealed).await.map_err(store_err)? {
                // The lease expired mid-refresh and someone else took over; theirs wins.
                tracing::warn!(connection = %connection.id, "refresh lease lost before storing; discarding this refresh");
            }
            let detail = match creds.token().and_then(|t| t.expires_at) {
                Some(at) => format!("access token valid for {} more minutes", (at - now_ms()) / 60_000),
                None => "access token refreshed".into(),
            };
            scope.connection_event(&connection.id, "refreshed", &detail).await.map_err(store_err)?;
            Ok(creds)
        }
        Err(err) => {
            scope.release_refresh(&connection.id, owner).await.map_err(store_err)?;
            if err.needs_reauth() {
                mark_needs_reauth(state, connection, &err).await?;
            } else {
                scope.connection_event(&connection.id, "refresh_failed", &err.to_string()).await.map_err(store_err)?;
            }
            Err(err)
        }
    }
}

/// Sets `needs_reauth` with the provider's words and records the event alerts fire on.
pub async fn mark_needs_reauth(
    state: &AppState,
    connection: &Connection,
    err: &ConnectError,
) -> Result<(), ConnectError> {
    let scope = state.store.tenant(&connection.tenant_id);
    let reason = format!("{err}. Reconnect the account to fix it.");
    scope.set_connection_status(&connection.id, ConnectionStatus::NeedsReauth, &reason).await.map_err(store_err)?;
    scope.connection_event(&connection.id, "needs_reauth", &reason).await.map_err(store_err)?;
    tracing::warn!(connection = %connection.id, provider = %connection.provider, "connection needs reconnecting");
    Ok(())
}

pub fn store_err(err: crate::storage::StoreError) -> ConnectError {
    tracing::error!(error = %err, "connection storage failed");
    ConnectError::Storage(err.to_string())
}

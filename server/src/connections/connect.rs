//! Connecting with typed-in credentials (API key, client id and secret, connection URL,
//! static token), and testing a connection. Credentials are verified with the provider
//! before anything is stored: a wrong key leaves nothing behind.

use std::collections::BTreeMap;

use super::ConnectError;
use super::check::{self, Checked};
use super::credentials::{Credentials, OAuthToken};
use super::refresh::{self, client_credentials_token, mark_needs_reauth, store_err};
use crate::providers::{AuthKind, Provider};
use crate::state::AppState;
use crate::storage::{Activation, Connection, ConnectionStatus, TenantId, new_id};

/// Builds credentials from a form or API body: required fields present, values trimmed,
/// unknown fields ignored.
pub fn credentials_from_input(
    provider: &Provider,
    input: &BTreeMap<String, String>,
) -> Result<Credentials, ConnectError> {
    let fields = provider.spec.credential_fields();
    if fields.is_empty() {
        return Err(ConnectError::Invalid(format!(
            "{} connects by signing in (OAuth), not with typed-in credentials.",
            provider.spec.name
        )));
    }
    let mut values = BTreeMap::new();
    for field in &fields {
        let value = input.get(&field.name).map(|v| v.trim().to_owned()).unwrap_or_default();
        if value.is_empty() {
            if !field.optional {
                return Err(ConnectError::Invalid(format!("Enter the {}.", field.label.to_lowercase())));
            }
            continue;
        }
        if value.len() > 4096 || value.chars().any(char::is_control) {
            return Err(ConnectError::Invalid(format!("The {} is not valid.", field.label.to_lowercase())));
        }
        values.insert(field.name.clone(), value);
    }
    if provider.spec.auth == AuthKind::ConnectionString {
        super::validate_postgres_url(values.get("url").map(String::as_str).unwrap_or_default())?;
    }
    if let Some(objects) = values.get("objects") {
        // Checked now, so a typo shows on the connect form rather than in a failed run.
        serde_json::from_str::<Vec<crate::sync::connectors::http::HttpObjectConfig>>(objects)
            .map_err(|e| ConnectError::Invalid(format!("\"Objects to sync\" is not a valid list of objects: {e}.")))?;
    }
    if let Some(base) = values.get("base_url") {
        let ok = url::Url::parse(base).is_ok_and(|u| matches!(u.scheme(), "http" | "https") && u.host_str().is_some());
        if !ok {
            return Err(ConnectError::Invalid("Enter the base URL like https://api.example.com.".into()));
        }
    }
    if provider.spec.auth == AuthKind::Oauth2 {
        // A static token (HubSpot private app) stands in for the OAuth grant; it never expires.
        let access_token = values.remove("access_token").unwrap_or_default();
        return Ok(Credentials::OAuth(OAuthToken { access_token, refresh_token: None, expires_at: None, scope: None }));
    }
    Ok(Credentials::Fields { values, token: None })
}

/// Verifies credentials with the provider and stores them: a new connection, or new
/// credentials for `reconnect` (which must reach the same account).
pub async fn connect_with_credentials(
    state: &AppState,
    tenant_id: &TenantId,
    provider: &Provider,
    label: &str,
    mut creds: Credentials,
    created_by: Option<&str>,
    reconnect: Option<&Connection>,
) -> Result<Connection, ConnectError> {
    if let (Credentials::Fields { values, token }, Some(_)) = (&mut creds, &provider.spec.basic) {
        let base = check::base_url(provider, &Credentials::Fields { values: values.clone(), token: None }, "");
        *token = Some(client_credentials_token(&state.http, provider, &base, values).await?);
    }
    let base = check::base_url(provider, &creds, "");
    let checked = check::run(&state.http, provider, &base, &creds, "").await?;
    if let Some(existing) = reconnect
        && !existing.account_id.is_empty()
        && existing.account_id != checked.account.id
    {
        return Err(ConnectError::Invalid(format!(
            "These credentials belong to another {} account ({}) than this connection's ({}). Add a new connection for it instead.",
            provider.spec.name, checked.account.name, existing.account_name
        )));
    }
    let id = reconnect.map(|c| c.id.clone()).unwrap_or_else(new_id);
    let activation = Activation {
        credentials: creds.seal(&state.secrets, tenant_id, &id)?,
        account_id: checked.account.id.clone(),
        account_name: checked.account.name.clone(),
        // Typed-in base URLs stay templated from the credentials; nothing per account to keep.
        base_url: String::new(),
    };
    let scope = state.store.tenant(tenant_id);
    let connection = match reconnect {
        Some(existing) => {
            scope.activate_connection(&existing.id, &activation).await.map_err(store_err)?;
            scope.connection(&existing.id).await.map_err(store_err)?
        }
        None => scope
            .create_connection(&id, provider.id(), label, provider.spec.auth.as_str(), created_by, Some(&activation))
            .await
            .map_err(store_err)?,
    };
    let kind = if reconnect.is_some() { "reconnected" } else { "connected" };
    scope
        .connection_event(
            &connection.id,
            kind,
            &format!("verified as {} in {} ms", checked.account.name, checked.millis),
        )
        .await
        .map_err(store_err)?;
    scope.record_check(&connection.id, true, checked.millis, &ok_message(&checked)).await.map_err(store_err)?;
    scope.connection(&connection.id).await.map_err(store_err)
}

fn ok_message(checked: &Checked) -> String {
    format!("OK in {} ms", checked.millis)
}

/// "Test connection": the check with fresh credentials, retried once after a refresh when
/// the provider answers 401. Updates the status and records the result either way.
pub async fn test(state: &AppState, connection: &Connection) -> Result<Checked, ConnectError> {
    let outcome = run_test(state, connection).await;
    let scope = state.store.tenant(&connection.tenant_id);
    match &outcome {
        Ok(checked) => {
            scope.record_check(&connection.id, true, checked.millis, &ok_message(checked)).await.map_err(store_err)?;
            if matches!(connection.status, ConnectionStatus::Error | ConnectionStatus::NeedsReauth) {
                scope.set_connection_status(&connection.id, ConnectionStatus::Active, "").await.map_err(store_err)?;
                scope
                    .connection_event(&connection.id, "recovered", "the account check passes again")
                    .await
                    .map_err(store_err)?;
            }
        }
        Err(err) => {
            scope.record_check(&connection.id, false, 0, &err.to_string()).await.map_err(store_err)?;
            if connection.status != ConnectionStatus::Disabled {
                if err.needs_reauth() {
                    // A refresh failure has marked it already; a refused check has not.
                    let current = scope.connection(&connection.id).await.map_err(store_err)?;
                    if current.status != ConnectionStatus::NeedsReauth {
                        mark_needs_reauth(state, connection, err).await?;
                    }
                } else {
                    scope
                        .set_connection_status(&connection.id, ConnectionStatus::Error, &err.to_string())
                        .await
                        .map_err(store_err)?;
                    scope
                        .connection_event(&connection.id, "check_failed", &err.to_string())
                        .await
                        .map_err(store_err)?;
                }
            }
        }
    }
    outcome
}

async fn run_test(state: &AppState, connection: &Connection) -> Result<Checked, ConnectError> {
    let provider = state
        .catalog
        .get(&connection.provider)
        .ok_or_else(|| ConnectError::Invalid(format!("Unknown provider {:?}.", connection.provider)))?;
    let creds = refresh::fresh_credentials(state, connection, None).await?;
    let base = check::base_url(provider, &creds, &connection.base_url);
    match check::run(&state.http, provider, &base, &creds, &connection.account_id).await {
        Err(ConnectError::Auth { .. }) if creds.token().is_some_and(|t| t.refresh_token.is_some()) => {
            // The provider ended the token early: refresh once and try again.
            let stale = creds.token().map(|t| t.access_token.clone());
            let creds = refresh::fresh_credentials(state, connection, stale.as_deref()).await?;
            check::run(&state.http, provider, &base, &creds, &connection.account_id).await
        }
        other => other,
    }
}

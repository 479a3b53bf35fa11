//! OAuth sign-in: the authorize URL (authorization-code flow with PKCE where the provider
//! supports it, via the `oauth2` crate) and the callback. The `state` is random, single use,
//! expires in ten minutes and is bound in the database to the tenant and connection, so the
//! callback needs no browser session (flows started through the API complete too). A sign-in
//! that fails or is declined leaves no half-made connection behind.

use oauth2::basic::BasicClient;
use oauth2::{AuthUrl, ClientId, CsrfToken, PkceCodeChallenge, PkceCodeVerifier, RedirectUrl, Scope};
use serde_json::Value;

use super::ConnectError;
use super::check::{self, Account};
use super::credentials::Credentials;
use super::refresh::{oauth_client, store_err};
use super::token::{self, Grant, TokenResponse};
use crate::auth::tokens;
use crate::providers::Provider;
use crate::state::AppState;
use crate::storage::{Activation, Connection, OAuthState, StoreError, TenantId, new_id, now_ms};

/// How long a sign-in may take from the authorize URL to the callback.
pub const STATE_TTL_MS: i64 = 10 * 60 * 1000;

pub fn redirect_uri(state: &AppState) -> String {
    state.settings.absolute_url(hitch_app::urls::OAUTH_CALLBACK)
}

fn verifier_context(state_hash: &str) -> String {
    format!("oauth_state:{state_hash}")
}

pub struct Started {
    pub connection: Connection,
    pub authorize_url: String,
}

/// Begins a sign-in for a new connection (`reconnect` None) or an existing one.
pub async fn start(
    state: &AppState,
    tenant_id: &TenantId,
    provider: &Provider,
    label: &str,
    user_id: Option<&str>,
    reconnect: Option<&Connection>,
) -> Result<Started, ConnectError> {
    let spec = provider
        .spec
        .oauth2
        .as_ref()
        .ok_or_else(|| ConnectError::Invalid(format!("{} does not use OAuth sign-in.", provider.spec.name)))?;
    let client = oauth_client(provider)?;
    let auth_url =
        provider.auth_url.clone().ok_or_else(|| ConnectError::Invalid("No authorize URL configured.".into()))?;
    let bad_url =
        |what: &str| ConnectError::Invalid(format!("The {what} for {} is not a valid URL.", provider.spec.name));
    let oauth = BasicClient::new(ClientId::new(client.id.to_owned()))
        .set_auth_uri(AuthUrl::new(auth_url).map_err(|_| bad_url("authorize URL"))?)
        .set_redirect_uri(RedirectUrl::new(redirect_uri(state)).map_err(|_| bad_url("public URL (HITCH_PUBLIC_URL)"))?);
    let secret_state = tokens::generate("");
    let mut request = oauth
        .authorize_url(|| CsrfToken::new(secret_state.clone()))
        .add_scopes(spec.scopes.iter().cloned().map(Scope::new));
    let mut verifier = None;
    if spec.pkce {
        let (challenge, v) = PkceCodeChallenge::new_random_sha256();
        request = request.set_pkce_challenge(challenge);
        verifier = Some(v);
    }
    for (k, v) in &spec.authorize_params {
        request = request.add_extra_param(k.clone(), v.clone());
    }
    let (url, _) = request.url();

    let scope = state.store.tenant(tenant_id);
    let connection = match reconnect {
        Some(existing) => existing.clone(),
        None => scope
            .create_connection(&new_id(), provider.id(), label, "oauth2", user_id, None)
            .await
            .map_err(store_err)?,
    };
    let state_hash = tokens::hash(&secret_state);
    let sealed_verifier = verifier
        .map(|v| state.secrets.seal(v.secret().as_bytes(), &verifier_context(&state_hash)))
        .transpose()
        .map_err(|e| ConnectError::Secrets(e.to_string()))?;
    let record = OAuthState {
        state_hash,
        tenant_id: tenant_id.clone(),
        connection_id: connection.id.clone(),
        user_id: user_id.map(str::to_owned),
        sealed_pkce_verifier: sealed_verifier,
        reconnect: reconnect.is_some(),
        expires_at: now_ms() + STATE_TTL_MS,
    };
    scope.create_oauth_state(&record).await.map_err(store_err)?;
    Ok(Started { connection, authorize_url: url.to_string() })
}

/// The query the provider sends back.
#[derive(Debug, Default, serde::Deserialize)]
pub struct CallbackParams {
    pub code: Option<String>,
    pub state: Option<String>,
    pub error: Option<String>,
    pub error_description: Option<String>,
    #[serde(flatten)]
    pub extra: std::collections::HashMap<String, String>,
}

/// How a callback ended, with enough to send the person to the right page.
pub struct Finished {
    /// The provider's catalog id, when the state was usable.
    pub provider_id: Option<String>,
    /// None when the state itself was unusable (unknown, replayed, expired).
    pub flow: Option<OAuthState>,
    pub provider_name: String,
    pub result: Result<Connection, ConnectError>,
}

pub async fn complete(state: &AppState, params: CallbackParams) -> Finished {
    let unknown = |message: &str| Finished {
        provider_id: None,
        flow: None,
        provider_name: "the provider".into(),
        result: Err(ConnectError::Invalid(message.into())),
    };
    let Some(secret_state) = params.state.as_deref().filter(|s| !s.is_empty() && s.len() < 200) else {
        return unknown(
            "The sign-in came back without its state parameter, so Hitch cannot tell which connection it belongs to. Start again from Connections.",
        );
    };
    let flow = match state.store.take_oauth_state(&tokens::hash(secret_state)).await {
        Ok(flow) => flow,
        Err(StoreError::NotFound) => {
            return unknown(
                "This sign-in was already completed, has expired (after 10 minutes), or was not started by Hitch. Start again from Connections.",
            );
        }
        Err(err) => return unknown(&store_err(err).to_string()),
    };
    let scope = state.store.tenant(&flow.tenant_id);
    let connection = match scope.connection(&flow.connection_id).await {
        Ok(c) => c,
        Err(err) => {
            return Finished {
                provider_id: None,
                flow: Some(flow),
                provider_name: "the provider".into(),
                result: Err(store_err(err)),
            };
        }
    };
    let Some(provider) = state.catalog.get(&connection.provider) else {
        return Finished {
            provider_id: None,
            flow: Some(flow),
            provider_name: connection.provider.clone(),
            result: Err(ConnectError::Invalid("Unknown provider.".into())),
        };
    };
    let provider_name = provider.spec.name.clone();
    let result = match exchange(state, provider, &connection, &flow, &params).await {
        Ok(connection) => Ok(connection),
        Err(err) => {
            abandon(state, &flow, &connection, &err).await;
            Err(err)
        }
    };
    Finished { provider_id: Some(connection.provider.clone()), flow: Some(flow), provider_name, result }
}

/// Removes a new connection whose sign-in failed; a reconnect keeps its old credentials.
async fn abandon(state: &AppState, flow: &OAuthState, connection: &Connection, err: &ConnectError) {
    let scope = state.store.tenant(&flow.tenant_id);
    let outcome = if flow.reconnect {
        scope.connection_event(&connection.id, "reconnect_failed", &err.to_string()).await
    } else {
        scope.delete_connection(&connection.id).await.map(|_| ())
    };
    if let Err(e) = outcome {
        tracing::error!(error = %e, connection = %connection.id, "could not clean up after a failed sign-in");
    }
}

async fn exchange(
    state: &AppState,
    provider: &Provider,
    connection: &Connection,
    flow: &OAuthState,
    params: &CallbackParams,
) -> Result<Connection, ConnectError> {
    let name = provider.spec.name.as_str();
    if let Some(error) = &params.error {
        let words = params.error_description.clone().unwrap_or_else(|| error.clone());
        // Not a credentials problem: the person said no, or the request was refused.
        return Err(ConnectError::Invalid(if error == "access_denied" {
            format!("Access was not granted at {name}, so nothing was connected. Try again and choose Approve.")
        } else {
            format!("{name} did not complete the sign-in: {error} ({words}).")
        }));
    }
    let code = params.code.as_deref().filter(|c| !c.is_empty()).ok_or_else(|| ConnectError::Malformed {
        provider: name.into(),
        message: "the sign-in came back without an authorization code".into(),
    })?;
    let verifier = flow
        .sealed_pkce_verifier
        .as_deref()
        .map(|sealed| state.secrets.open(sealed, &verifier_context(&flow.state_hash)))
        .transpose()
        .map_err(|e| ConnectError::Secrets(e.to_string()))?
        .map(|bytes| PkceCodeVerifier::new(String::from_utf8_lossy(&bytes).into_owned()));
    let client = oauth_client(provider)?;
    let redirect = redirect_uri(state);
    let grant = Grant::AuthorizationCode {
        code,
        redirect_uri: &redirect,
        verifier: verifier.as_ref().map(|v| v.secret().as_str()),
    };
    let response = token::request(&state.http, &client, grant).await?;
    let (account, base_url, checked_ms) = identify(state, provider, &response, params).await?;

    if flow.reconnect && !connection.account_id.is_empty() && connection.account_id != account.id {
        return Err(ConnectError::Invalid(format!(
            "You signed in to a different {name} account ({}) than this connection uses ({}). Sign in to {} instead, or add a new connection.",
            account.name, connection.account_name, connection.account_name
        )));
    }
    let credentials = Credentials::OAuth(response.token).seal(&state.secrets, &flow.tenant_id, &connection.id)?;
    let activation = Activation { credentials, account_id: account.id, account_name: account.name, base_url };
    let scope = state.store.tenant(&flow.tenant_id);
    scope.activate_connection(&connection.id, &activation).await.map_err(store_err)?;
    let kind = if flow.reconnect { "reconnected" } else { "connected" };
    let detail = format!("signed in to {name} as {}", activation.account_name);
    scope.connection_event(&connection.id, kind, &detail).await.map_err(store_err)?;
    if let Some(ms) = checked_ms {
        scope.record_check(&connection.id, true, ms, &format!("OK in {ms} ms")).await.map_err(store_err)?;
    }
    scope.connection(&connection.id).await.map_err(store_err)
}

/// The account and per-account API base URL behind a fresh token, and how long the account
/// check took when one ran.
async fn identify(
    state: &AppState,
    provider: &Provider,
    response: &TokenResponse,
    params: &CallbackParams,
) -> Result<(Account, String, Option<i64>), ConnectError> {
    let spec = provider.spec.oauth2.as_ref();
    let name = provider.spec.name.as_str();
    if spec.is_some_and(|o| o.identity_from_id_token) {
        let id_token = response.id_token.as_deref().ok_or_else(|| ConnectError::Malformed {
            provider: name.into(),
            message: "the token response has no id_token (was the openid scope granted?)".into(),
        })?;
        let client_id = provider.client_id.as_deref().unwrap_or_default();
        let (id, display) = super::id_token::identity(name, id_token, client_id, now_ms() / 1000)?;
        return Ok((Account { id, name: display }, String::new(), None));
    }
    let mut base = String::new();
    if let Some(instance) = response.extra.get("instance_url").and_then(Value::as_str) {
        base = instance.trim_end_matches('/').to_owned();
    }
    if let Some(metadata_url) = &provider.metadata_url {
        base = metadata_endpoint(state, provider, metadata_url, &response.token.access_token).await?;
    }
    let known = spec
        .and_then(|o| o.identity_callback_param.as_deref())
        .and_then(|p| params.extra.get(p))
        .cloned()
        .unwrap_or_default();
    let creds = Credentials::OAuth(response.token.clone());
    let api_base = check::base_url(provider, &creds, &base);
    let checked = check::run(&state.http, provider, &api_base, &creds, &known).await?;
    Ok((checked.account, base, Some(checked.millis)))
}

/// Mailchimp: which data centre the account lives in, from the metadata endpoint.
async fn metadata_endpoint(
    state: &AppState,
    provider: &Provider,
    url: &str,
    access_token: &str,
) -> Result<String, ConnectError> {
    let name = provider.spec.name.as_str();
    let auth = provider
        .spec
        .oauth2
        .as_ref()
        .and_then(|o| o.metadata_auth.as_deref())
        .unwrap_or("Bearer {access_token}")
        .replace("{access_token}", access_token);
    let resp = state
        .http
        .get(url)
        .header("authorization", auth)
        .send()
        .await
        .map_err(|e| ConnectError::from_reqwest(name, "the account metadata", &e))?;
    let status = resp.status().as_u16();
    let json: Value = resp.json().await.unwrap_or(Value::Null);
    match json.get("api_endpoint").and_then(Value::as_str) {
        Some(endpoint) if (200..300).contains(&status) => Ok(endpoint.trim_end_matches('/').to_owned()),
        _ => Err(ConnectError::Malformed {
            provider: name.into(),
            message: format!("the metadata endpoint answered HTTP {status} without an api_endpoint"),
        }),
    }
}

//! Connecting and reconnecting an account in the browser: OAuth sign-in or typed-in
//! credentials, and the OAuth callback every provider returns to.

use std::collections::BTreeMap;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use hitch_app::models::{Chrome, ConnectView, Nav, OAuthDoneView};
use hitch_app::{pages, urls};

use super::connection_views as views;
use super::{field, redirect_with};
use crate::connections::{ConnectError, connect, oauth};
use crate::domain::Role;
use crate::error::AppError;
use crate::http::chrome;
use crate::http::extractors::{ClientIp, CsrfForm, Member, Visitor};
use crate::providers::Provider;
use crate::state::AppState;
use crate::storage::Connection;

fn provider<'a>(state: &'a AppState, id: &str) -> Result<&'a Provider, AppError> {
    state.catalog.get(id).ok_or(AppError::NotFound)
}

/// The connect page's model. `existing`: reconnecting that connection.
fn connect_view(
    provider: &Provider,
    existing: Option<&Connection>,
    label: &str,
    posted: Option<&BTreeMap<String, String>>,
    error: Option<String>,
) -> ConnectView {
    let (oauth_action, credentials_action) = match existing {
        Some(c) => (urls::connection_action(&c.id, "reconnect/oauth"), urls::connection_action(&c.id, "reconnect")),
        None => (urls::connect_oauth(provider.id()), urls::connect(provider.id())),
    };
    ConnectView {
        provider_id: provider.id().into(),
        provider_name: provider.spec.name.clone(),
        description: provider.spec.description.clone(),
        docs_url: provider.spec.docs_url.clone(),
        label: field(label, None),
        oauth: provider.oauth_ready(),
        oauth_action,
        scopes: provider.spec.oauth2.as_ref().map(|o| o.scopes.clone()).unwrap_or_default(),
        inputs: views::inputs(provider, posted),
        credentials_action,
        credentials_title: views::credentials_title(provider),
        error,
        reconnecting: existing.map(|c| c.label.clone()),
        rate_limit: provider.spec.rate_limit.as_ref().map(|r| r.note.clone()),
    }
}

async fn render_connect(
    member: &Member,
    provider: &Provider,
    view: ConnectView,
    status: StatusCode,
) -> Result<Response, AppError> {
    let title = match &view.reconnecting {
        Some(label) => format!("Reconnect {label}"),
        None => format!("Connect {}", view.provider_name),
    };
    let chrome = chrome::for_user(&member.me, &title, Nav::Connections).await?;
    let mut response = (status, Html(pages::connections::render_connect(chrome, view))).into_response();
    // The sign-in form's answer redirects to the provider: allow exactly that origin.
    let origin = provider.auth_url.as_deref().filter(|_| provider.oauth_ready()).and_then(|u| url::Url::parse(u).ok());
    if let Some(origin) = origin.map(|u| u.origin().ascii_serialization())
        && let Ok(value) = axum::http::HeaderValue::from_str(&crate::http::csp_allowing_form_target(&origin))
    {
        response.headers_mut().insert(axum::http::header::CONTENT_SECURITY_POLICY, value);
    }
    Ok(response)
}

pub async fn connect_get(
    State(state): State<AppState>,
    member: Member,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    member.require(Role::Admin, "connect accounts")?;
    let provider = provider(&state, &id)?;
    render_connect(&member, provider, connect_view(provider, None, &provider.spec.name, None, None), StatusCode::OK)
        .await
}

pub async fn reconnect_get(
    State(state): State<AppState>,
    member: Member,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    member.require(Role::Admin, "reconnect accounts")?;
    let existing = state.store.tenant(&member.tenant.id).connection(&id).await?;
    let provider = provider(&state, &existing.provider)?;
    render_connect(
        &member,
        provider,
        connect_view(provider, Some(&existing), &existing.label, None, None),
        StatusCode::OK,
    )
    .await
}

fn label_of(form: &BTreeMap<String, String>, fallback: &str) -> Result<String, AppError> {
    let raw = form.get("label").map(String::as_str).filter(|l| !l.trim().is_empty()).unwrap_or(fallback);
    crate::http::api::connections::label(raw)
        .map_err(|_| AppError::BadRequest("Name the connection with 1 to 80 characters.".into()))
}

/// Starts an OAuth sign-in and sends the browser to the provider.
async fn start_oauth(
    state: &AppState,
    member: &Member,
    ip: &ClientIp,
    provider: &Provider,
    label: &str,
    existing: Option<&Connection>,
) -> Result<Response, AppError> {
    match oauth::start(state, &member.tenant.id, provider, label, Some(&member.me.user.id), existing).await {
        Ok(started) => {
            let action = if existing.is_some() { "connection.reconnect_started" } else { "connection.sign_in_started" };
            state.store.tenant(&member.tenant.id).audit(&member.audit(ip, action, label, provider.id())).await?;
            // 303 to another origin: the browser follows it to the provider's consent page.
            Ok(Redirect::to(&started.authorize_url).into_response())
        }
        Err(err) => {
            let view = connect_view(provider, existing, label, None, Some(err.to_string()));
            render_connect(member, provider, view, StatusCode::UNPROCESSABLE_ENTITY).await
        }
    }
}

pub async fn connect_oauth_post(
    State(state): State<AppState>,
    member: Member,
    ip: ClientIp,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm<BTreeMap<String, String>>,
) -> Result<Response, AppError> {
    member.require(Role::Admin, "connect accounts")?;
    let provider = provider(&state, &id)?;
    let label = label_of(&form, &provider.spec.name)?;
    start_oauth(&state, &member, &ip, provider, &label, None).await
}

pub async fn reconnect_oauth_post(
    State(state): State<AppState>,
    member: Member,
    ip: ClientIp,
    Path(id): Path<String>,
    CsrfForm(_): CsrfForm<BTreeMap<String, String>>,
) -> Result<Response, AppError> {
    member.require(Role::Admin, "reconnect accounts")?;
    let existing = state.store.tenant(&member.tenant.id).connection(&id).await?;
    let provider = provider(&state, &existing.provider)?;
    start_oauth(&state, &member, &ip, provider, &existing.label.clone(), Some(&existing)).await
}

/// Verifies typed-in credentials with the provider, then stores them (or shows why not).
async fn submit_credentials(
    state: &AppState,
    member: &Member,
    ip: &ClientIp,
    provider: &Provider,
    form: &BTreeMap<String, String>,
    existing: Option<&Connection>,
) -> Result<Response, AppError> {
    let label = match existing {
        Some(c) => c.label.clone(),
        None => label_of(form, &provider.spec.name)?,
    };
    let connected = match connect::credentials_from_input(provider, form) {
        Ok(creds) => {
            connect::connect_with_credentials(
                state,
                &member.tenant.id,
                provider,
                &label,
                creds,
                Some(&member.me.user.id),
                existing,
            )
            .await
        }
        Err(err) => Err(err),
    };
    match connected {
        Ok(c) => {
            let action = if existing.is_some() { "connection.reconnected" } else { "connection.created" };
            state.store.tenant(&member.tenant.id).audit(&member.audit(ip, action, &c.label, provider.id())).await?;
            let message = format!(
                "Connected {} ({}). Its credentials are encrypted and will not be shown again.",
                c.label, c.account_name
            );
            Ok(redirect_with(&member.me.session, "success", message, &urls::connection(&c.id)).await?.into_response())
        }
        Err(err) => {
            let status = if matches!(err, ConnectError::Storage(_)) {
                StatusCode::INTERNAL_SERVER_ERROR
            } else {
                StatusCode::UNPROCESSABLE_ENTITY
            };
            let view = connect_view(provider, existing, &label, Some(form), Some(err.to_string()));
            render_connect(member, provider, view, status).await
        }
    }
}

pub async fn connect_post(
    State(state): State<AppState>,
    member: Member,
    ip: ClientIp,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm<BTreeMap<String, String>>,
) -> Result<Response, AppError> {
    member.require(Role::Admin, "connect accounts")?;
    let provider = provider(&state, &id)?;
    submit_credentials(&state, &member, &ip, provider, &form, None).await
}

pub async fn reconnect_post(
    State(state): State<AppState>,
    member: Member,
    ip: ClientIp,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm<BTreeMap<String, String>>,
) -> Result<Response, AppError> {
    member.require(Role::Admin, "reconnect accounts")?;
    let existing = state.store.tenant(&member.tenant.id).connection(&id).await?;
    let provider = provider(&state, &existing.provider)?;
    submit_credentials(&state, &member, &ip, provider, &form, Some(&existing)).await
}

/// Where every provider sends the browser back. The `state` alone says which tenant and
/// connection this is; the browser session only decides where to go next.
pub async fn oauth_callback_get(
    State(state): State<AppState>,
    visitor: Visitor,
    ip: ClientIp,
    Query(params): Query<oauth::CallbackParams>,
) -> Result<Response, AppError> {
    let finished = oauth::complete(&state, params).await;
    let session_user = visitor.session.user_id().await?;
    if let Some(flow) = &finished.flow {
        let scope = state.store.tenant(&flow.tenant_id);
        let (action, detail) = match &finished.result {
            Ok(c) => (
                if flow.reconnect { "connection.reconnected" } else { "connection.created" },
                format!("{} as {}", c.provider, c.account_name),
            ),
            Err(err) => ("connection.sign_in_failed", err.to_string()),
        };
        let entry = crate::storage::NewAuditEntry {
            actor_user_id: flow.user_id.clone(),
            actor: flow
                .user_id
                .as_ref()
                .map(|_| "oauth callback (browser)")
                .unwrap_or("oauth callback (API flow)")
                .into(),
            action: action.into(),
            target: flow.connection_id.clone(),
            detail,
            ip: ip.0.clone(),
        };
        scope.audit(&entry).await?;
        // The person who started the flow is signed in here: back to the connection pages.
        if flow.user_id.is_some() && flow.user_id == session_user {
            let session = &visitor.session;
            session.set_tenant(&flow.tenant_id).await?;
            return Ok(match finished.result {
                Ok(c) => {
                    redirect_with(
                        session,
                        "success",
                        format!("Connected {} ({}).", c.label, c.account_name),
                        &urls::connection(&c.id),
                    )
                    .await?
                }
                Err(err) if flow.reconnect => {
                    redirect_with(session, "error", err.to_string(), &urls::connection(&flow.connection_id)).await?
                }
                Err(err) => {
                    // Back to the same provider's page, to try again in one click.
                    let to = finished
                        .provider_id
                        .as_deref()
                        .map(urls::connect)
                        .unwrap_or_else(|| urls::CONNECTIONS_NEW.into());
                    redirect_with(session, "error", err.to_string(), &to).await?
                }
            }
            .into_response());
        }
    }
    let (status, view) = match finished.result {
        Ok(c) => (
            StatusCode::OK,
            OAuthDoneView {
                ok: true,
                title: format!("Connected {}", finished.provider_name),
                message: format!("{} ({}) is connected to Hitch. You can close this window.", c.label, c.account_name),
            },
        ),
        Err(err) => (
            StatusCode::BAD_REQUEST,
            OAuthDoneView {
                ok: false,
                title: format!("{} was not connected", finished.provider_name),
                message: err.to_string(),
            },
        ),
    };
    let chrome = Chrome {
        title: view.title.clone(),
        active: Nav::None,
        user: None,
        csrf: visitor.session.csrf_token().await?,
        flash: None,
    };
    Ok((status, Html(pages::connections::render_oauth_done(chrome, view))).into_response())
}

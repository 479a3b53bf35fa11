//! The Connections pages: list, catalog, one connection, test, rename, disable, delete.

use axum::extract::{Path, Query, State};
use axum::response::{Html, Redirect};
use hitch_app::models::{CatalogView, ConnectionsView, DeleteConnectionView, Nav, ProviderTile};
use hitch_app::{pages, urls};

use super::connection_views::{self as views, auth_label};
use super::{NoFields, field, redirect_with};
use crate::connections::connect;
use crate::domain::Role;
use crate::error::AppError;
use crate::http::chrome;
use crate::http::display::zone;
use crate::http::extractors::{ClientIp, CsrfForm, Member};
use crate::providers::{Category, Provider};
use crate::state::AppState;
use crate::storage::{ConnectionStatus, now_ms};

pub async fn connections_get(State(state): State<AppState>, member: Member) -> Result<Html<String>, AppError> {
    let tz = zone(&member.tenant.time_zone);
    let now = now_ms();
    let rows = state
        .store
        .tenant(&member.tenant.id)
        .connections()
        .await?
        .iter()
        .map(|c| views::row(c, state.catalog.get(&c.provider), tz, now))
        .collect();
    let chrome = chrome::for_user(&member.me, "Connections", Nav::Connections).await?;
    Ok(Html(pages::connections::render(chrome, ConnectionsView { rows, can_manage: member.role.can_administer() })))
}

#[derive(serde::Deserialize, Default)]
pub struct CatalogQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    category: String,
}

/// Why a provider cannot be connected on this server, if it cannot.
fn unavailable(p: &Provider) -> Option<String> {
    let oauth_only = p.spec.oauth2.is_some() && p.spec.credential_fields().is_empty();
    (oauth_only && !p.oauth_ready()).then(|| {
        format!(
            "Needs an OAuth app: the server admin sets HITCH_PROVIDER_{}_CLIENT_ID and _CLIENT_SECRET.",
            p.spec.id.to_uppercase()
        )
    })
}

pub async fn connections_new_get(
    member: Member,
    State(state): State<AppState>,
    Query(q): Query<CatalogQuery>,
) -> Result<Html<String>, AppError> {
    member.require(Role::Admin, "connect accounts")?;
    let needle = q.q.trim().to_lowercase();
    let tiles = state
        .catalog
        .all()
        .iter()
        .filter(|p| q.category.is_empty() || p.spec.category.as_str() == q.category)
        .filter(|p| {
            needle.is_empty()
                || format!("{} {} {}", p.spec.name, p.spec.description, p.spec.id).to_lowercase().contains(&needle)
        })
        .map(|p| {
            let reason = unavailable(p);
            ProviderTile {
                id: p.spec.id.clone(),
                name: p.spec.name.clone(),
                category: p.spec.category.as_str().into(),
                category_label: p.spec.category.label().into(),
                description: p.spec.description.clone(),
                auth_label: auth_label(p.spec.auth.as_str()).into(),
                docs_url: p.spec.docs_url.clone(),
                available: reason.is_none(),
                unavailable_reason: reason,
            }
        })
        .collect();
    let view = CatalogView {
        tiles,
        categories: Category::ALL.iter().map(|c| (c.as_str().to_owned(), c.label().to_owned())).collect(),
        query: q.q.chars().take(100).collect(),
        category: q.category.chars().take(30).collect(),
    };
    let chrome = chrome::for_user(&member.me, "Add a connection", Nav::Connections).await?;
    Ok(Html(pages::connections::render_catalog(chrome, view)))
}

pub async fn connection_get(
    State(state): State<AppState>,
    member: Member,
    Path(id): Path<String>,
) -> Result<Html<String>, AppError> {
    let scope = state.store.tenant(&member.tenant.id);
    let c = scope.connection(&id).await?;
    let events = scope.connection_events(&id, 50).await?;
    let (tz, now) = (zone(&member.tenant.time_zone), now_ms());
    let provider = state.catalog.get(&c.provider);
    let mut view = views::detail(&c, provider, &events, field(&c.label, None), member.role.can_administer(), tz, now);
    if let Some(rate) = provider.and_then(|p| p.rate_limit) {
        let used = scope.budget_use(&id, rate).await?;
        view.request_budget = Some(views::budget_line(rate, used.as_ref(), tz, now));
    }
    let chrome = chrome::for_user(&member.me, &c.label, Nav::Connections).await?;
    Ok(Html(pages::connections::render_connection(chrome, view)))
}

pub async fn connection_test_post(
    State(state): State<AppState>,
    member: Member,
    Path(id): Path<String>,
    CsrfForm(_): CsrfForm<NoFields>,
) -> Result<Redirect, AppError> {
    member.require(Role::Admin, "test connections")?;
    let c = state.store.tenant(&member.tenant.id).connection(&id).await?;
    let to = urls::connection(&id);
    match connect::test(&state, &c).await {
        Ok(checked) => {
            redirect_with(
                &member.me.session,
                "success",
                format!("{} works: the account check answered in {} ms.", c.label, checked.millis),
                &to,
            )
            .await
        }
        Err(err) => redirect_with(&member.me.session, "error", format!("The check failed: {err}"), &to).await,
    }
}

#[derive(serde::Deserialize)]
pub struct LabelInput {
    #[serde(default)]
    label: String,
}

pub async fn connection_rename_post(
    State(state): State<AppState>,
    member: Member,
    ip: ClientIp,
    Path(id): Path<String>,
    CsrfForm(input): CsrfForm<LabelInput>,
) -> Result<Redirect, AppError> {
    member.require(Role::Admin, "rename connections")?;
    let scope = state.store.tenant(&member.tenant.id);
    let c = scope.connection(&id).await?;
    let label = crate::http::api::connections::label(&input.label)
        .map_err(|_| AppError::BadRequest("Name the connection with 1 to 80 characters.".into()))?;
    scope.rename_connection(&id, &label).await?;
    scope.audit(&member.audit(&ip, "connection.renamed", &label, &format!("was {}", c.label))).await?;
    redirect_with(&member.me.session, "success", format!("Renamed to {label}."), &urls::connection(&id)).await
}

#[derive(serde::Deserialize)]
pub struct LimitInput {
    #[serde(default)]
    max_concurrent_runs: String,
}

pub async fn connection_limit_post(
    State(state): State<AppState>,
    member: Member,
    ip: ClientIp,
    Path(id): Path<String>,
    CsrfForm(input): CsrfForm<LimitInput>,
) -> Result<Redirect, AppError> {
    member.require(Role::Admin, "change how many runs use a connection at once")?;
    let scope = state.store.tenant(&member.tenant.id);
    let c = scope.connection(&id).await?;
    let limit = input
        .max_concurrent_runs
        .trim()
        .parse::<i64>()
        .ok()
        .filter(|n| crate::http::api::connections::RUNS_AT_ONCE.contains(n))
        .ok_or_else(|| AppError::BadRequest("Runs at once must be a whole number from 1 to 64.".into()))?;
    scope.set_max_concurrent_runs(&id, limit).await?;
    let detail = format!("{limit} runs at once");
    scope.audit(&member.audit(&ip, "connection.limit_changed", &c.label, &detail)).await?;
    let message = format!("Up to {limit} runs use {} at once; more wait their turn.", c.label);
    redirect_with(&member.me.session, "success", message, &urls::connection(&id)).await
}

pub async fn connection_toggle_post(
    State(state): State<AppState>,
    member: Member,
    ip: ClientIp,
    Path(id): Path<String>,
    CsrfForm(_): CsrfForm<NoFields>,
) -> Result<Redirect, AppError> {
    member.require(Role::Admin, "disable or enable connections")?;
    let scope = state.store.tenant(&member.tenant.id);
    let c = scope.connection(&id).await?;
    let enable = c.status == ConnectionStatus::Disabled;
    let (status, kind, message) = if enable {
        (ConnectionStatus::Active, "enabled", format!("{} is enabled again.", c.label))
    } else {
        (
            ConnectionStatus::Disabled,
            "disabled",
            format!("{} is disabled: nothing uses it until you enable it.", c.label),
        )
    };
    scope.set_connection_status(&id, status, "").await?;
    scope.connection_event(&id, kind, "").await?;
    scope.audit(&member.audit(&ip, &format!("connection.{kind}"), &c.label, "")).await?;
    redirect_with(&member.me.session, "success", message, &urls::connection(&id)).await
}

pub async fn connection_delete_get(
    State(state): State<AppState>,
    member: Member,
    Path(id): Path<String>,
) -> Result<Html<String>, AppError> {
    member.require(Role::Admin, "delete connections")?;
    let c = state.store.tenant(&member.tenant.id).connection(&id).await?;
    let view = DeleteConnectionView {
        id: c.id.clone(),
        label: c.label.clone(),
        provider_name: views::provider_name(state.catalog.get(&c.provider), &c),
        dependents: state
            .store
            .tenant(&member.tenant.id)
            .recipes_using(&c.id)
            .await?
            .into_iter()
            .map(|r| format!("Recipe \"{}\" (it will fail until it uses another connection)", r.name))
            .collect(),
        delete_action: urls::connection_action(&c.id, "delete"),
        cancel_href: urls::connection(&c.id),
    };
    let chrome = chrome::for_user(&member.me, &format!("Delete {}", c.label), Nav::Connections).await?;
    Ok(Html(pages::connections::render_delete(chrome, view)))
}

pub async fn connection_delete_post(
    State(state): State<AppState>,
    member: Member,
    ip: ClientIp,
    Path(id): Path<String>,
    CsrfForm(_): CsrfForm<NoFields>,
) -> Result<Redirect, AppError> {
    member.require(Role::Admin, "delete connections")?;
    let scope = state.store.tenant(&member.tenant.id);
    let gone = scope.delete_connection(&id).await?;
    scope.audit(&member.audit(&ip, "connection.deleted", &gone.label, &gone.provider)).await?;
    redirect_with(
        &member.me.session,
        "success",
        format!("{} was deleted with its credentials.", gone.label),
        urls::CONNECTIONS,
    )
    .await
}

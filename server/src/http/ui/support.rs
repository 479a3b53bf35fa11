//! The support console: platform staff read any workspace's members and audit log, read-only.
//! Every workspace opened is recorded in that workspace's own audit log.

use axum::extract::{Path, State};
use axum::response::Html;
use hitch_app::models::{Nav, SupportTenantRow, SupportTenantView};
use hitch_app::pages;

use super::rows::{audit_row, member_row};
use crate::error::AppError;
use crate::http::chrome;
use crate::http::display::timestamp;
use crate::http::extractors::{ClientIp, SupportStaff};
use crate::state::AppState;
use crate::storage::now_ms;

pub async fn support_get(
    State(state): State<AppState>,
    SupportStaff(me): SupportStaff,
) -> Result<Html<String>, AppError> {
    let now = now_ms();
    let rows = state
        .store
        .list_tenants(500)
        .await?
        .into_iter()
        .map(|t| SupportTenantRow {
            created: timestamp(t.tenant.created_at, chrono_tz::UTC, now),
            slug: t.tenant.slug,
            name: t.tenant.name,
            members: t.members,
        })
        .collect();
    let chrome = chrome::for_user(&me, "Support", Nav::None).await?;
    Ok(Html(pages::support::render_tenants(chrome, rows)))
}

pub async fn support_tenant_get(
    State(state): State<AppState>,
    SupportStaff(me): SupportStaff,
    ip: ClientIp,
    Path(slug): Path<String>,
) -> Result<Html<String>, AppError> {
    let tenant = state.store.tenant_by_slug(&slug).await?;
    let scope = state.store.tenant(&tenant.id);
    // Written before the data is read, so an access is on record even if rendering fails.
    let mut entry = me.audit(&ip, "support.viewed", &tenant.slug, "members and audit log, read-only");
    entry.actor = format!("support:{}", me.user.email);
    scope.audit(&entry).await?;
    let tz = crate::http::display::zone(&tenant.time_zone);
    let now = now_ms();
    let view = SupportTenantView {
        members: scope.members().await?.iter().map(|m| member_row(m, None, false, tz, now)).collect(),
        audit: scope.audit_log(200).await?.iter().map(|e| audit_row(e, tz, now)).collect(),
        name: tenant.name,
        slug: tenant.slug,
        time_zone: tenant.time_zone,
    };
    let chrome = chrome::for_user(&me, "Support", Nav::None).await?;
    Ok(Html(pages::support::render_tenant(chrome, view)))
}

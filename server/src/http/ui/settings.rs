//! Workspace settings: name and time zone, API tokens, the audit log.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use hitch_app::models::{ApiTokenRow, FieldState, Nav, SettingsView};
use hitch_app::{pages, urls};

use super::rows::{audit_row, role_names};
use super::{NoFields, field, redirect_with};
use crate::auth::tokens;
use crate::domain::{Role, TenantName, TimeZone};
use crate::error::AppError;
use crate::http::chrome;
use crate::http::display::{timestamp, zone};
use crate::http::extractors::{ClientIp, CsrfForm, Member};
use crate::state::AppState;
use crate::storage::now_ms;

const AUDIT_ROWS: i64 = 100;

/// Zones offered in the time-zone field's suggestions; any IANA name is accepted.
const COMMON_ZONES: [&str; 16] = [
    "UTC",
    "Europe/London",
    "Europe/Berlin",
    "Europe/Paris",
    "Europe/Madrid",
    "Europe/Warsaw",
    "America/New_York",
    "America/Chicago",
    "America/Denver",
    "America/Los_Angeles",
    "America/Sao_Paulo",
    "Asia/Kolkata",
    "Asia/Singapore",
    "Asia/Tokyo",
    "Australia/Sydney",
    "Pacific/Auckland",
];

/// The parts of the page that depend on what was just posted.
#[derive(Default)]
struct Posted {
    name: Option<FieldState>,
    time_zone: Option<FieldState>,
    token_name: FieldState,
    new_token: Option<String>,
}

async fn render(state: &AppState, member: &Member, posted: Posted) -> Result<String, AppError> {
    let scope = state.store.tenant(&member.tenant.id);
    let tz = zone(&member.tenant.time_zone);
    let now = now_ms();
    let admin = member.role.can_administer();
    // Tokens and the audit log are for admins: both say more about the workspace than a
    // viewer or editor needs.
    let (tokens, audit) = if admin {
        let tokens = scope
            .api_tokens()
            .await?
            .into_iter()
            .map(|t| ApiTokenRow {
                id: t.id,
                name: t.name,
                role: t.role.as_str().into(),
                hint: format!("…{}", t.last_four),
                created: timestamp(t.created_at, tz, now),
                last_used: t.last_used_at.map(|at| timestamp(at, tz, now)),
            })
            .collect();
        let audit = scope.audit_log(AUDIT_ROWS).await?.iter().map(|e| audit_row(e, tz, now)).collect();
        (tokens, audit)
    } else {
        (Vec::new(), Vec::new())
    };
    let view = SettingsView {
        tenant_name: posted.name.unwrap_or_else(|| field(&member.tenant.name, None)),
        time_zone: posted.time_zone.unwrap_or_else(|| field(&member.tenant.time_zone, None)),
        time_zone_choices: COMMON_ZONES.iter().map(|z| (*z).to_owned()).collect(),
        can_edit: admin,
        tokens,
        token_name: posted.token_name,
        grantable_roles: role_names(&member.role.grantable()),
        new_token: posted.new_token,
        audit,
    };
    let chrome = chrome::for_user(&member.me, "Settings", Nav::Settings).await?;
    Ok(pages::settings::render(chrome, view))
}

pub async fn settings_get(State(state): State<AppState>, member: Member) -> Result<Html<String>, AppError> {
    Ok(Html(render(&state, &member, Posted::default()).await?))
}

#[derive(serde::Deserialize)]
pub struct SettingsInput {
    #[serde(default)]
    name: String,
    #[serde(default)]
    time_zone: String,
}

pub async fn settings_post(
    State(state): State<AppState>,
    member: Member,
    ip: ClientIp,
    CsrfForm(input): CsrfForm<SettingsInput>,
) -> Result<Response, AppError> {
    member.require(Role::Admin, "change workspace settings")?;
    let (name, tz) = match (TenantName::parse(&input.name), TimeZone::parse(&input.time_zone)) {
        (Ok(name), Ok(tz)) => (name, tz),
        (name, tz) => {
            let posted = Posted {
                name: Some(field(&input.name, name.err().map(|e| e.to_string()))),
                time_zone: Some(field(&input.time_zone, tz.err().map(|e| e.to_string()))),
                ..Posted::default()
            };
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(render(&state, &member, posted).await?)).into_response());
        }
    };
    let scope = state.store.tenant(&member.tenant.id);
    scope.update_profile(&name, &tz).await?;
    let detail = format!("name \"{}\", time zone {}", name.as_str(), tz.name());
    scope.audit(&member.audit(&ip, "tenant.settings_changed", &member.tenant.slug, &detail)).await?;
    Ok(redirect_with(&member.me.session, "success", "Workspace settings saved.", urls::SETTINGS).await?.into_response())
}

#[derive(serde::Deserialize)]
pub struct TokenInput {
    #[serde(default)]
    name: String,
    #[serde(default)]
    role: String,
}

pub async fn tokens_create_post(
    State(state): State<AppState>,
    member: Member,
    ip: ClientIp,
    CsrfForm(input): CsrfForm<TokenInput>,
) -> Result<Response, AppError> {
    member.require(Role::Admin, "create API tokens")?;
    let role = Role::parse(&input.role).map_err(|e| AppError::BadRequest(e.to_string()))?;
    if !member.role.grantable().contains(&role) {
        return Err(AppError::Forbidden(format!("Only owners can create a token with the {role} role.")));
    }
    let name = input.name.trim();
    let n = name.chars().count();
    if !(1..=60).contains(&n) || name.chars().any(char::is_control) {
        let posted = Posted {
            token_name: field(&input.name, Some("Name the token (1 to 60 characters), e.g. \"CI deploys\".".into())),
            ..Posted::default()
        };
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(render(&state, &member, posted).await?)).into_response());
    }
    let secret = tokens::generate(tokens::API_TOKEN_PREFIX);
    let scope = state.store.tenant(&member.tenant.id);
    scope
        .create_api_token(name, role, &tokens::hash(&secret), &tokens::last_four(&secret), Some(&member.me.user.id))
        .await?;
    scope.audit(&member.audit(&ip, "api_token.created", name, &format!("role {role}"))).await?;
    // Shown in this response only; from now on only its last four characters are known.
    let posted = Posted { new_token: Some(secret), ..Posted::default() };
    Ok((StatusCode::CREATED, Html(render(&state, &member, posted).await?)).into_response())
}

pub async fn tokens_revoke_post(
    State(state): State<AppState>,
    member: Member,
    ip: ClientIp,
    Path(id): Path<String>,
    CsrfForm(_): CsrfForm<NoFields>,
) -> Result<Redirect, AppError> {
    member.require(Role::Admin, "revoke API tokens")?;
    let scope = state.store.tenant(&member.tenant.id);
    let token = scope.revoke_api_token(&id).await?;
    scope.audit(&member.audit(&ip, "api_token.revoked", &token.name, "")).await?;
    let message = format!("The token \"{}\" was revoked; requests using it now get 401.", token.name);
    redirect_with(&member.me.session, "success", message, urls::SETTINGS).await
}

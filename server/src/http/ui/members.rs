//! The members page: who is in the workspace, invitations, role changes, removal.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use hitch_app::models::{FieldState, InvitationRow, MembersView, Nav};
use hitch_app::{pages, urls};

use super::rows::{member_row, role_names};
use super::{NoFields, field, redirect_with};
use crate::auth::tokens;
use crate::domain::{Email, Role};
use crate::error::AppError;
use crate::http::chrome;
use crate::http::display::{timestamp, zone};
use crate::http::extractors::{ClientIp, CsrfForm, Member};
use crate::state::AppState;
use crate::storage::{StoreError, now_ms};

/// How long an invitation link works.
pub const INVITATION_TTL_MS: i64 = 7 * 24 * 3600 * 1000;

/// What the invite form shows besides the stored lists.
struct InviteForm {
    email: FieldState,
    role: String,
    /// The invitation just created: (email, link), shown once.
    created: Option<(String, String)>,
}

async fn render(state: &AppState, member: &Member, form: InviteForm) -> Result<String, AppError> {
    let scope = state.store.tenant(&member.tenant.id);
    let tz = zone(&member.tenant.time_zone);
    let now = now_ms();
    let can_manage = member.role.can_administer();
    let viewer = Some((member.me.user.id.as_str(), member.role));
    let members = scope.members().await?;
    let sole_owner = members.iter().filter(|m| m.role == Role::Owner).count() == 1;
    let members = members.iter().map(|m| member_row(m, viewer, sole_owner, tz, now)).collect();
    // Only admins see pending invitations: the list reveals who is about to join.
    let invitations = if can_manage {
        scope
            .open_invitations()
            .await?
            .into_iter()
            .map(|i| InvitationRow {
                id: i.id,
                email: i.email,
                role: i.role.as_str().into(),
                invited: timestamp(i.created_at, tz, now),
                expires: timestamp(i.expires_at, tz, now),
            })
            .collect()
    } else {
        Vec::new()
    };
    let view = MembersView {
        members,
        invitations,
        can_manage,
        grantable_roles: role_names(&member.role.grantable()),
        invite_email: form.email,
        invite_role: form.role,
        new_invite_email: form.created.as_ref().map(|(email, _)| email.clone()),
        new_invite_link: form.created.map(|(_, link)| link),
    };
    let chrome = chrome::for_user(&member.me, "Members", Nav::Settings).await?;
    Ok(pages::members::render(chrome, view))
}

pub async fn members_get(State(state): State<AppState>, member: Member) -> Result<Html<String>, AppError> {
    let form = InviteForm { email: FieldState::default(), role: Role::Editor.as_str().into(), created: None };
    Ok(Html(render(&state, &member, form).await?))
}

#[derive(serde::Deserialize)]
pub struct InviteInput {
    #[serde(default)]
    email: String,
    #[serde(default)]
    role: String,
}

pub async fn members_invite_post(
    State(state): State<AppState>,
    member: Member,
    ip: ClientIp,
    CsrfForm(input): CsrfForm<InviteInput>,
) -> Result<Response, AppError> {
    member.require(Role::Admin, "invite members")?;
    let role = Role::parse(&input.role).map_err(|e| AppError::BadRequest(e.to_string()))?;
    if !member.role.grantable().contains(&role) {
        return Err(AppError::Forbidden(format!("Only owners can invite someone as {role}.")));
    }
    let email = match Email::parse(&input.email) {
        Ok(email) => email,
        Err(e) => {
            let form = InviteForm {
                email: field(&input.email, Some(e.to_string())),
                role: role.as_str().into(),
                created: None,
            };
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(render(&state, &member, form).await?)).into_response());
        }
    };
    let token = tokens::generate("");
    let scope = state.store.tenant(&member.tenant.id);
    match scope.create_invitation(&email, role, &tokens::hash(&token), &member.me.user.id, INVITATION_TTL_MS).await {
        Ok(_) => {}
        Err(StoreError::Conflict(_)) => {
            let error = format!("{email} is already a member of {}.", member.tenant.name);
            let form =
                InviteForm { email: field(&input.email, Some(error)), role: role.as_str().into(), created: None };
            return Ok((StatusCode::CONFLICT, Html(render(&state, &member, form).await?)).into_response());
        }
        Err(other) => return Err(other.into()),
    }
    scope.audit(&member.audit(&ip, "member.invited", email.as_str(), &format!("as {role}"))).await?;
    // The link is shown in this response only (no redirect), so it is never stored anywhere
    // but as a hash.
    let link = state.settings.absolute_url(&urls::invitation(&token));
    let form = InviteForm {
        email: FieldState::default(),
        role: role.as_str().into(),
        created: Some((email.to_string(), link)),
    };
    Ok((StatusCode::CREATED, Html(render(&state, &member, form).await?)).into_response())
}

#[derive(serde::Deserialize)]
pub struct RoleInput {
    #[serde(default)]
    role: String,
}

pub async fn members_role_post(
    State(state): State<AppState>,
    member: Member,
    ip: ClientIp,
    Path(user_id): Path<String>,
    CsrfForm(input): CsrfForm<RoleInput>,
) -> Result<Redirect, AppError> {
    member.require(Role::Admin, "change roles")?;
    let role = Role::parse(&input.role).map_err(|e| AppError::BadRequest(e.to_string()))?;
    let scope = state.store.tenant(&member.tenant.id);
    let target = scope.member(&user_id).await?;
    if !member.role.can_manage(target.role) || !member.role.can_manage(role) {
        return Err(AppError::Forbidden("Only owners can make someone an owner or change an owner's role.".into()));
    }
    let session = &member.me.session;
    match scope.change_role(&user_id, role).await {
        Ok(before) => {
            let detail = format!("{} -> {role}", before.role);
            scope.audit(&member.audit(&ip, "member.role_changed", &target.email, &detail)).await?;
            redirect_with(session, "success", format!("{} is now {role}.", target.email), urls::MEMBERS).await
        }
        Err(StoreError::Invalid(why)) => redirect_with(session, "error", why, urls::MEMBERS).await,
        Err(other) => Err(other.into()),
    }
}

pub async fn members_remove_post(
    State(state): State<AppState>,
    member: Member,
    ip: ClientIp,
    Path(user_id): Path<String>,
    CsrfForm(_): CsrfForm<NoFields>,
) -> Result<Redirect, AppError> {
    member.require(Role::Admin, "remove members")?;
    let scope = state.store.tenant(&member.tenant.id);
    let target = scope.member(&user_id).await?;
    if !member.role.can_manage(target.role) {
        return Err(AppError::Forbidden("Only owners can remove an owner.".into()));
    }
    let session = &member.me.session;
    match scope.remove_member(&user_id).await {
        Ok(_) => {
            scope.audit(&member.audit(&ip, "member.removed", &target.email, &format!("was {}", target.role))).await?;
            let to = if user_id == member.me.user.id { urls::OVERVIEW } else { urls::MEMBERS };
            redirect_with(session, "success", format!("{} was removed from {}.", target.email, member.tenant.name), to)
                .await
        }
        Err(StoreError::Invalid(why)) => redirect_with(session, "error", why, urls::MEMBERS).await,
        Err(other) => Err(other.into()),
    }
}

pub async fn invitations_revoke_post(
    State(state): State<AppState>,
    member: Member,
    ip: ClientIp,
    Path(id): Path<String>,
    CsrfForm(_): CsrfForm<NoFields>,
) -> Result<Redirect, AppError> {
    member.require(Role::Admin, "revoke invitations")?;
    let scope = state.store.tenant(&member.tenant.id);
    let invitation = scope.revoke_invitation(&id).await?;
    scope.audit(&member.audit(&ip, "member.invitation_revoked", &invitation.email, "")).await?;
    let message = format!("The invitation for {} was revoked; its link no longer works.", invitation.email);
    redirect_with(&member.me.session, "success", message, urls::MEMBERS).await
}

//! Accepting an invitation link: a new account sets its password, an existing one confirms
//! with its password; either way the person lands in the workspace.

use std::sync::atomic::Ordering;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use hitch_app::models::InvitationView;
use hitch_app::{pages, urls};

use super::{field, redirect_with};
use crate::auth::{password, throttle, tokens};
use crate::domain::{Email, Password};
use crate::error::AppError;
use crate::http::chrome;
use crate::http::extractors::{ClientIp, CsrfForm, Visitor};
use crate::state::AppState;
use crate::storage::{Acceptor, Invitation, NewAuditEntry, StoreError, User, now_ms};

const INVALID_LINK: &str = "This invitation link is not valid: it was already used, revoked, or it expired. Ask an admin of the workspace for a new one.";

/// The open invitation behind a link, and its tenant's name.
async fn open_invitation(state: &AppState, token: &str) -> Result<(Invitation, String), AppError> {
    let invitation = match state.store.invitation_by_token_hash(&tokens::hash(token)).await {
        Ok(inv) if inv.is_open(now_ms()) => inv,
        Ok(_) | Err(StoreError::NotFound) => return Err(AppError::BadRequest(INVALID_LINK.into())),
        Err(other) => return Err(other.into()),
    };
    let tenant = state.store.tenant_by_id(&invitation.tenant_id).await?;
    Ok((invitation, tenant.name))
}

async fn existing_user(state: &AppState, email: &str) -> Result<Option<User>, AppError> {
    let email = Email::parse(email).map_err(|e| AppError::Internal(anyhow::anyhow!("stored invitation email: {e}")))?;
    match state.store.user_by_email(&email).await {
        Ok(user) => Ok(Some(user)),
        Err(StoreError::NotFound) => Ok(None),
        Err(other) => Err(other.into()),
    }
}

fn view(invitation: &Invitation, tenant_name: String, existing: bool) -> InvitationView {
    InvitationView {
        tenant_name,
        email: invitation.email.clone(),
        role: invitation.role.as_str().into(),
        existing_account: existing,
        password: field("", None),
        error: None,
    }
}

pub async fn invitation_get(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(token): Path<String>,
) -> Result<Html<String>, AppError> {
    let (invitation, tenant_name) = open_invitation(&state, &token).await?;
    let existing = existing_user(&state, &invitation.email).await?.is_some();
    let chrome = chrome::for_visitor(&visitor.session, "Join a workspace").await?;
    Ok(Html(pages::invitation::render(chrome, view(&invitation, tenant_name, existing))))
}

#[derive(serde::Deserialize)]
pub struct AcceptInput {
    #[serde(default)]
    password: String,
}

pub async fn invitation_post(
    State(state): State<AppState>,
    visitor: Visitor,
    ip: ClientIp,
    Path(token): Path<String>,
    CsrfForm(input): CsrfForm<AcceptInput>,
) -> Result<Response, AppError> {
    let (invitation, tenant_name) = open_invitation(&state, &token).await?;
    let existing = existing_user(&state, &invitation.email).await?;
    let refuse = |status: StatusCode, password_error: Option<String>, error: Option<String>| {
        let mut v = view(&invitation, tenant_name.clone(), existing.is_some());
        v.password = field("", password_error);
        v.error = error;
        let session = visitor.session.clone();
        async move {
            let chrome = chrome::for_visitor(&session, "Join a workspace").await?;
            Ok::<Response, AppError>((status, Html(pages::invitation::render(chrome, v))).into_response())
        }
    };
    let scope = state.store.tenant(&invitation.tenant_id);
    let accepted = match &existing {
        Some(user) => {
            // Confirming with the account's password is a sign-in: same throttle, same log.
            let now = now_ms();
            if let Err(throttled) = throttle::check(&state.store, &user.email, &ip.0, now).await? {
                return refuse(StatusCode::TOO_MANY_REQUESTS, None, Some(throttled.message())).await;
            }
            if !password::verify(&user.password_hash, &input.password).await {
                state.metrics.sign_in_failures.fetch_add(1, Ordering::Relaxed);
                state.store.record_login_failure(&user.email, &ip.0, now).await?;
                return refuse(
                    StatusCode::UNAUTHORIZED,
                    Some("That is not the password of this account.".into()),
                    None,
                )
                .await;
            }
            scope.accept_invitation(&invitation, Acceptor::Existing(user)).await
        }
        None => {
            let pw = match Password::parse(input.password.clone()) {
                Ok(pw) => pw,
                Err(e) => {
                    return refuse(StatusCode::UNPROCESSABLE_ENTITY, Some(e.to_string()), None).await;
                }
            };
            let hash = password::hash(&pw).await.map_err(|e| AppError::Internal(e.into()))?;
            scope.accept_invitation(&invitation, Acceptor::New { password_hash: &hash }).await
        }
    };
    let user = match accepted {
        Ok(user) => user,
        Err(StoreError::Invalid(why)) => return Err(AppError::BadRequest(why)),
        Err(StoreError::Conflict(_)) => {
            return refuse(
                StatusCode::CONFLICT,
                None,
                Some(
                    "An account with this email was just created. Open the link again and sign in with its password."
                        .into(),
                ),
            )
            .await;
        }
        Err(other) => return Err(other.into()),
    };
    visitor.session.sign_in(&user.id, Some(&invitation.tenant_id)).await?;
    let entry = NewAuditEntry {
        actor_user_id: Some(user.id.clone()),
        actor: user.email.clone(),
        action: "member.joined".into(),
        target: user.email.clone(),
        detail: format!("accepted invitation as {}", invitation.role),
        ip: ip.0.clone(),
    };
    scope.audit(&entry).await?;
    let message = format!("Welcome to {tenant_name}. You joined as {}.", invitation.role);
    Ok(redirect_with(&visitor.session, "success", message, urls::OVERVIEW).await?.into_response())
}

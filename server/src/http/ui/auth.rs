//! Sign up, sign in, sign out, and switching between one's workspaces.

use std::sync::atomic::Ordering;

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use hitch_app::models::{LoginForm, SignupForm};
use hitch_app::{pages, urls};

use super::{NoFields, field, redirect_with};
use crate::auth::{password, throttle};
use crate::domain::{Email, Password, TenantName};
use crate::error::AppError;
use crate::http::chrome;
use crate::http::extractors::{ClientIp, CsrfForm, CurrentUser, Visitor};
use crate::state::AppState;
use crate::storage::{NewAuditEntry, StoreError, User, now_ms};

/// Only local paths are followed after sign-in: never `//evil.example` or `https://…`.
fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n) if n.starts_with('/') && !n.starts_with("//") && !n.contains('\\') && n.len() < 500 => n.to_owned(),
        _ => urls::OVERVIEW.to_owned(),
    }
}

pub async fn home_get(visitor: Visitor) -> Result<Redirect, AppError> {
    let to = if visitor.session.user_id().await?.is_some() { urls::OVERVIEW } else { urls::LOGIN };
    Ok(Redirect::to(to))
}

#[derive(serde::Deserialize)]
pub struct NextQuery {
    next: Option<String>,
}

pub async fn login_get(visitor: Visitor, Query(q): Query<NextQuery>) -> Result<Response, AppError> {
    let next = safe_next(q.next.as_deref());
    if visitor.session.user_id().await?.is_some() {
        return Ok(Redirect::to(&next).into_response());
    }
    let chrome = chrome::for_visitor(&visitor.session, "Sign in").await?;
    let form = LoginForm { next, ..LoginForm::default() };
    Ok(Html(pages::login::render(chrome, form)).into_response())
}

#[derive(serde::Deserialize)]
pub struct LoginInput {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    next: Option<String>,
}

pub async fn login_post(
    State(state): State<AppState>,
    visitor: Visitor,
    ip: ClientIp,
    CsrfForm(input): CsrfForm<LoginInput>,
) -> Result<Response, AppError> {
    let next = safe_next(input.next.as_deref());
    let rerender = |status: StatusCode, email_error: Option<String>, error: Option<String>| {
        let session = visitor.session.clone();
        let email = input.email.clone();
        let next = next.clone();
        async move {
            let chrome = chrome::for_visitor(&session, "Sign in").await?;
            let form = LoginForm { email: field(&email, email_error), error, next };
            Ok::<Response, AppError>((status, Html(pages::login::render(chrome, form))).into_response())
        }
    };
    let email = match Email::parse(&input.email) {
        Ok(email) => email,
        Err(e) => {
            return rerender(StatusCode::UNPROCESSABLE_ENTITY, Some(e.to_string()), None).await;
        }
    };
    let now = now_ms();
    if let Err(throttled) = throttle::check(&state.store, email.as_str(), &ip.0, now).await? {
        state.metrics.sign_in_failures.fetch_add(1, Ordering::Relaxed);
        return rerender(StatusCode::TOO_MANY_REQUESTS, None, Some(throttled.message())).await;
    }
    let user = match state.store.user_by_email(&email).await {
        Ok(user) => Some(user),
        Err(StoreError::NotFound) => None,
        Err(other) => return Err(other.into()),
    };
    let verified = match &user {
        Some(user) => password::verify(&user.password_hash, &input.password).await,
        None => {
            password::verify_dummy(&input.password).await;
            false
        }
    };
    let user = match user {
        Some(user) if verified => user,
        other => {
            record_failure(&state, email.as_str(), other.as_ref(), &ip, now).await?;
            let message = "That email and password don't match an account. Check both and try again.";
            return rerender(StatusCode::UNAUTHORIZED, None, Some(message.into())).await;
        }
    };

    state.store.clear_login_failures(email.as_str()).await?;
    let memberships = state.store.memberships_of(&user.id).await?;
    let first = memberships.first();
    visitor.session.sign_in(&user.id, first.map(|m| &m.tenant.id)).await?;
    state.metrics.sign_ins.fetch_add(1, Ordering::Relaxed);
    let entry = NewAuditEntry {
        actor_user_id: Some(user.id.clone()),
        actor: user.email.clone(),
        action: "auth.sign_in".into(),
        ip: ip.0.clone(),
        ..NewAuditEntry::default()
    };
    match first {
        Some(m) => state.store.tenant(&m.tenant.id).audit(&entry).await?,
        None => state.store.audit_platform(&entry).await?,
    }
    let to = if first.is_none() && user.is_support_staff { urls::SUPPORT.to_owned() } else { next };
    Ok(Redirect::to(&to).into_response())
}

/// Counts a failed sign-in and writes it to the audit log of every workspace the account
/// belongs to (its admins should see attempts on their members), or the platform log.
async fn record_failure(
    state: &AppState,
    email: &str,
    user: Option<&User>,
    ip: &ClientIp,
    now: i64,
) -> Result<(), AppError> {
    state.metrics.sign_in_failures.fetch_add(1, Ordering::Relaxed);
    state.store.record_login_failure(email, &ip.0, now).await?;
    let entry = NewAuditEntry {
        actor: email.to_owned(),
        action: "auth.sign_in_failed".into(),
        detail: "wrong email or password".into(),
        ip: ip.0.clone(),
        ..NewAuditEntry::default()
    };
    let memberships = match user {
        Some(user) => state.store.memberships_of(&user.id).await?,
        None => Vec::new(),
    };
    if memberships.is_empty() {
        state.store.audit_platform(&entry).await?;
    }
    for m in &memberships {
        state.store.tenant(&m.tenant.id).audit(&entry).await?;
    }
    Ok(())
}

pub async fn signup_get(visitor: Visitor) -> Result<Response, AppError> {
    if visitor.session.user_id().await?.is_some() {
        return Ok(Redirect::to(urls::OVERVIEW).into_response());
    }
    let chrome = chrome::for_visitor(&visitor.session, "Create your workspace").await?;
    Ok(Html(pages::signup::render(chrome, SignupForm::default())).into_response())
}

#[derive(serde::Deserialize)]
pub struct SignupInput {
    #[serde(default)]
    company: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
}

pub async fn signup_post(
    State(state): State<AppState>,
    visitor: Visitor,
    ip: ClientIp,
    CsrfForm(input): CsrfForm<SignupInput>,
) -> Result<Response, AppError> {
    let name = TenantName::parse(&input.company);
    let email = Email::parse(&input.email);
    let pw = Password::parse(input.password.clone());
    let (name, email, pw) = match (name, email, pw) {
        (Ok(n), Ok(e), Ok(p)) => (n, e, p),
        (n, e, p) => {
            let form = SignupForm {
                company: field(&input.company, n.err().map(|e| e.to_string())),
                email: field(&input.email, e.err().map(|e| e.to_string())),
                password: field("", p.err().map(|e| e.to_string())),
                error: None,
            };
            let chrome = chrome::for_visitor(&visitor.session, "Create your workspace").await?;
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(pages::signup::render(chrome, form))).into_response());
        }
    };
    let hash = password::hash(&pw).await.map_err(|e| AppError::Internal(e.into()))?;
    let (tenant, user) = match state.store.create_tenant_with_owner(&name, &email, &hash).await {
        Ok(created) => created,
        Err(StoreError::Conflict(_)) => {
            let form = SignupForm {
                company: field(&input.company, None),
                email: field(
                    &input.email,
                    Some("An account with this email already exists. Sign in instead, or ask an admin of that workspace to invite you.".into()),
                ),
                password: field("", None),
                error: None,
            };
            let chrome = chrome::for_visitor(&visitor.session, "Create your workspace").await?;
            return Ok((StatusCode::CONFLICT, Html(pages::signup::render(chrome, form))).into_response());
        }
        Err(other) => return Err(other.into()),
    };
    visitor.session.sign_in(&user.id, Some(&tenant.id)).await?;
    let scope = state.store.tenant(&tenant.id);
    let who = |action: &str, detail: String| NewAuditEntry {
        actor_user_id: Some(user.id.clone()),
        actor: user.email.clone(),
        action: action.into(),
        target: tenant.slug.clone(),
        detail,
        ip: ip.0.clone(),
    };
    scope.audit(&who("tenant.created", format!("workspace \"{}\" created by sign-up", tenant.name))).await?;
    scope.audit(&who("auth.sign_in", String::new())).await?;
    let message =
        format!("Welcome to Hitch. {} is ready: invite your team or create an API token to start.", tenant.name);
    Ok(redirect_with(&visitor.session, "success", message, urls::OVERVIEW).await?.into_response())
}

pub async fn logout_post(
    State(state): State<AppState>,
    visitor: Visitor,
    ip: ClientIp,
    CsrfForm(_): CsrfForm<NoFields>,
) -> Result<Redirect, AppError> {
    if let Some(user_id) = visitor.session.user_id().await? {
        let tenant_id = visitor.session.tenant_id().await?;
        if let (Ok(user), Some(tenant_id)) = (state.store.user_by_id(&user_id).await, tenant_id) {
            let entry = NewAuditEntry {
                actor_user_id: Some(user.id.clone()),
                actor: user.email.clone(),
                action: "auth.sign_out".into(),
                ip: ip.0.clone(),
                ..NewAuditEntry::default()
            };
            state.store.tenant(&tenant_id).audit(&entry).await?;
        }
    }
    visitor.session.sign_out().await?;
    Ok(Redirect::to(urls::LOGIN))
}

#[derive(serde::Deserialize)]
pub struct SwitchInput {
    #[serde(default)]
    slug: String,
}

pub async fn switch_tenant_post(me: CurrentUser, CsrfForm(input): CsrfForm<SwitchInput>) -> Result<Redirect, AppError> {
    let Some(target) = me.memberships.iter().find(|m| m.tenant.slug == input.slug) else {
        return Err(AppError::NotFound);
    };
    me.session.set_tenant(&target.tenant.id).await?;
    redirect_with(&me.session, "info", format!("Switched to {}.", target.tenant.name), urls::OVERVIEW).await
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn next_is_local_only() {
        assert_eq!(safe_next(Some("/settings/members")), "/settings/members");
        assert_eq!(safe_next(Some("//evil.example")), "/overview");
        assert_eq!(safe_next(Some("https://evil.example")), "/overview");
        assert_eq!(safe_next(Some("/\\evil.example")), "/overview");
        assert_eq!(safe_next(None), "/overview");
    }
}

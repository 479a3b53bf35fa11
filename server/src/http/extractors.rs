//! Extractors: who is asking (session user, tenant member, support staff, API token), the
//! client's address, and forms that pass the CSRF check before they are parsed.

use std::net::SocketAddr;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{ConnectInfo, FromRequest, FromRequestParts, Request};
use axum::http::StatusCode;
use axum::http::request::Parts;
use serde::de::DeserializeOwned;
use subtle::ConstantTimeEq;
use tower_sessions::Session;

use crate::auth::session::UserSession;
use crate::domain::Role;
use crate::error::AppError;
use crate::state::AppState;
use crate::storage::{MembershipOf, NewAuditEntry, StoreError, Tenant, User};

/// The client's address as the server saw it (no proxy headers are trusted).
#[derive(Debug, Clone)]
pub struct ClientIp(pub String);

impl<S: Send + Sync> FromRequestParts<S> for ClientIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let ip = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|ConnectInfo(addr)| addr.ip().to_string())
            .unwrap_or_else(|| "unknown".into());
        Ok(ClientIp(ip))
    }
}

async fn user_session(parts: &mut Parts, state: &AppState) -> Result<UserSession, AppError> {
    let session = Session::from_request_parts(parts, state)
        .await
        .map_err(|(_, msg)| AppError::Internal(anyhow::anyhow!("session layer missing: {msg}")))?;
    Ok(UserSession(session))
}

/// Anyone, signed in or not, with their session.
pub struct Visitor {
    pub session: UserSession,
}

impl FromRequestParts<AppState> for Visitor {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        Ok(Visitor { session: user_session(parts, state).await? })
    }
}

/// A signed-in user, with every tenant they belong to and the one they are working in.
pub struct CurrentUser {
    pub user: User,
    pub memberships: Vec<MembershipOf>,
    /// The tenant chosen in this session (or the first one), when the user has any.
    pub current: Option<MembershipOf>,
    pub session: UserSession,
}

impl CurrentUser {
    /// The audit "who" for this user.
    pub fn audit(&self, ip: &ClientIp, action: &str, target: &str, detail: &str) -> NewAuditEntry {
        NewAuditEntry {
            actor_user_id: Some(self.user.id.clone()),
            actor: if self.current.is_some() {
                self.user.email.clone()
            } else {
                format!("support:{}", self.user.email)
            },
            action: action.into(),
            target: target.into(),
            detail: detail.into(),
            ip: ip.0.clone(),
        }
    }
}

impl FromRequestParts<AppState> for CurrentUser {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let next = parts.uri.path_and_query().map(|p| p.as_str().to_owned()).unwrap_or_default();
        let session = user_session(parts, state).await?;
        let Some(user_id) = session.user_id().await? else {
            return Err(AppError::SignInRequired { next });
        };
        session.touch().await?;
        let user = match state.store.user_by_id(&user_id).await {
            Ok(user) => user,
            // The account is gone: end the session rather than fail every request.
            Err(StoreError::NotFound) => {
                session.sign_out().await?;
                return Err(AppError::SignInRequired { next });
            }
            Err(other) => return Err(other.into()),
        };
        let memberships = state.store.memberships_of(&user.id).await?;
        let chosen = session.tenant_id().await?;
        let current = chosen
            .and_then(|id| memberships.iter().find(|m| m.tenant.id == id).cloned())
            .or_else(|| memberships.first().cloned());
        if current.is_none() && !user.is_support_staff {
            // Removed from their last workspace: nothing left to show.
            session.sign_out().await?;
            return Err(AppError::SignInRequired { next: String::new() });
        }
        Ok(CurrentUser { user, memberships, current, session })
    }
}

/// A signed-in member of the current tenant: what every tenant page needs.
pub struct Member {
    pub me: CurrentUser,
    pub tenant: Tenant,
    pub role: Role,
}

impl Member {
    /// Refuses unless the member's role is at least `min`, naming what is needed.
    pub fn require(&self, min: Role, to_do: &str) -> Result<(), AppError> {
        if self.role >= min {
            Ok(())
        } else {
            Err(AppError::Forbidden(format!(
                "Only {}s{} can {to_do}. Your role in {} is {}; ask an owner or admin.",
                min.as_str(),
                if min == Role::Owner { "" } else { " and above" },
                self.tenant.name,
                self.role
            )))
        }
    }

    pub fn audit(&self, ip: &ClientIp, action: &str, target: &str, detail: &str) -> NewAuditEntry {
        self.me.audit(ip, action, target, detail)
    }
}

impl FromRequestParts<AppState> for Member {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let me = CurrentUser::from_request_parts(parts, state).await?;
        match me.current.clone() {
            Some(MembershipOf { tenant, role }) => Ok(Member { me, tenant, role }),
            // Support staff with no workspace of their own work from the support console.
            None => Err(AppError::Redirect(hitch_app::urls::SUPPORT.into())),
        }
    }
}

/// A signed-in platform support account.
pub struct SupportStaff(pub CurrentUser);

impl FromRequestParts<AppState> for SupportStaff {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let me = CurrentUser::from_request_parts(parts, state).await?;
        if !me.user.is_support_staff {
            return Err(AppError::Forbidden("The support console is for platform support staff.".into()));
        }
        Ok(SupportStaff(me))
    }
}

#[derive(serde::Deserialize)]
struct CsrfField {
    csrf: Option<String>,
}

/// A url-encoded form whose `csrf` field matched the session's token. The check runs before
/// the form is parsed, so a forged post changes nothing and learns nothing.
pub struct CsrfForm<T>(pub T);

impl<T: DeserializeOwned> FromRequest<AppState> for CsrfForm<T> {
    type Rejection = AppError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let (mut parts, body) = req.into_parts();
        let session = user_session(&mut parts, state).await?;
        let bytes = Bytes::from_request(Request::from_parts(parts, body), state).await.map_err(body_error)?;
        let sent: CsrfField = serde_urlencoded::from_bytes(&bytes)
            .map_err(|_| AppError::BadRequest("The form data could not be read.".into()))?;
        let expected = session.existing_csrf_token().await?;
        let ok = match (sent.csrf, expected) {
            (Some(sent), Some(expected)) => bool::from(sent.as_bytes().ct_eq(expected.as_bytes())),
            _ => false,
        };
        if !ok {
            return Err(AppError::Csrf);
        }
        let form = serde_urlencoded::from_bytes(&bytes).map_err(|e| {
            AppError::BadRequest(format!("The form is incomplete or malformed ({e}). Reload the page and try again."))
        })?;
        Ok(CsrfForm(form))
    }
}

fn body_error(rejection: BytesRejection) -> AppError {
    if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
        AppError::PayloadTooLarge
    } else {
        AppError::BadRequest("The request body could not be read.".into())
    }
}

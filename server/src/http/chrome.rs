//! The page frame's model: who is signed in, the form token, the pending flash message.

use hitch_app::models::{Chrome, ChromeUser, Flash, FlashKind, Nav, TenantChoice};

use crate::auth::session::UserSession;
use crate::error::AppError;
use crate::http::extractors::CurrentUser;

async fn flash(session: &UserSession) -> Result<Option<Flash>, AppError> {
    Ok(session.take_flash().await?.map(|f| Flash {
        kind: match f.kind.as_str() {
            "success" => FlashKind::Success,
            "error" => FlashKind::Error,
            _ => FlashKind::Info,
        },
        message: f.message,
    }))
}

/// The frame for a signed-in user's page.
pub async fn for_user(me: &CurrentUser, title: &str, active: Nav) -> Result<Chrome, AppError> {
    let current = me.current.as_ref();
    let user = ChromeUser {
        email: me.user.email.clone(),
        role: current.map(|m| m.role.as_str().to_owned()).unwrap_or_else(|| "support".into()),
        tenant_name: current.map(|m| m.tenant.name.clone()).unwrap_or_else(|| "Support console".into()),
        tenant_slug: current.map(|m| m.tenant.slug.clone()).unwrap_or_default(),
        tenants: me
            .memberships
            .iter()
            .map(|m| TenantChoice {
                slug: m.tenant.slug.clone(),
                name: m.tenant.name.clone(),
                current: current.is_some_and(|c| c.tenant.id == m.tenant.id),
            })
            .collect(),
        is_support_staff: me.user.is_support_staff,
        time_zone: current.map(|m| m.tenant.time_zone.clone()).unwrap_or_else(|| "UTC".into()),
    };
    Ok(Chrome {
        title: title.to_owned(),
        active,
        user: Some(user),
        csrf: me.session.csrf_token().await?,
        flash: flash(&me.session).await?,
    })
}

/// The frame for a signed-out visitor's page (sign-in, sign-up, invitations).
pub async fn for_visitor(session: &UserSession, title: &str) -> Result<Chrome, AppError> {
    Ok(Chrome {
        title: title.to_owned(),
        active: Nav::None,
        user: None,
        csrf: session.csrf_token().await?,
        flash: flash(session).await?,
    })
}

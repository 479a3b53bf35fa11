//! GET /api/v1/me: who this token is.

use axum::Json;

use super::auth::ApiPrincipal;
use crate::error::{ApiError, ErrorBody};

#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct TenantInfo {
    pub id: String,
    pub slug: String,
    pub name: String,
    /// IANA time zone the workspace shows times in.
    pub time_zone: String,
}

#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct TokenInfo {
    pub id: String,
    pub name: String,
    /// owner, admin, editor or viewer
    pub role: String,
}

#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct Me {
    pub tenant: TenantInfo,
    pub token: TokenInfo,
}

/// The workspace and token this request is authenticated as.
#[utoipa::path(
    get,
    path = "/api/v1/me",
    tag = "account",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The caller", body = Me),
        (status = 401, description = "Missing or invalid token", body = ErrorBody),
    )
)]
pub async fn me_get(principal: ApiPrincipal) -> Result<Json<Me>, ApiError> {
    let ApiPrincipal { token, tenant } = principal;
    Ok(Json(Me {
        tenant: TenantInfo { id: tenant.id.0, slug: tenant.slug, name: tenant.name, time_zone: tenant.time_zone },
        token: TokenInfo { id: token.id, name: token.name, role: token.role.as_str().into() },
    }))
}

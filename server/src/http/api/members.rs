//! The workspace's members: list, read one, change a role.

use axum::Json;
use axum::extract::{Path, State};

use super::auth::{ApiJson, ApiPrincipal};
use crate::domain::Role;
use crate::error::{ApiError, ErrorBody};
use crate::http::extractors::ClientIp;
use crate::state::AppState;
use crate::storage::{Member, StoreError};

#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct MemberOut {
    pub user_id: String,
    pub email: String,
    /// owner, admin, editor or viewer
    pub role: String,
    /// RFC 3339, UTC
    pub joined_at: String,
}

impl From<Member> for MemberOut {
    fn from(m: Member) -> Self {
        let joined = chrono::DateTime::from_timestamp_millis(m.joined_at).unwrap_or_default();
        MemberOut {
            user_id: m.user_id,
            email: m.email,
            role: m.role.as_str().into(),
            joined_at: joined.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        }
    }
}

#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct MemberList {
    pub members: Vec<MemberOut>,
}

#[derive(serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MemberPatch {
    /// owner, admin, editor or viewer
    pub role: String,
}

/// Every member of the token's workspace.
#[utoipa::path(
    get,
    path = "/api/v1/members",
    tag = "members",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Members, owners first", body = MemberList),
        (status = 401, description = "Missing or invalid token", body = ErrorBody),
    )
)]
pub async fn members_list_get(
    State(state): State<AppState>,
    principal: ApiPrincipal,
) -> Result<Json<MemberList>, ApiError> {
    let members = state.store.tenant(&principal.tenant.id).members().await?;
    Ok(Json(MemberList { members: members.into_iter().map(MemberOut::from).collect() }))
}

/// One member of the token's workspace.
#[utoipa::path(
    get,
    path = "/api/v1/members/{user_id}",
    tag = "members",
    security(("bearer" = [])),
    params(("user_id" = String, Path, description = "The member's user id")),
    responses(
        (status = 200, description = "The member", body = MemberOut),
        (status = 401, description = "Missing or invalid token", body = ErrorBody),
        (status = 404, description = "No such member in this workspace", body = ErrorBody),
    )
)]
pub async fn members_get(
    State(state): State<AppState>,
    principal: ApiPrincipal,
    Path(user_id): Path<String>,
) -> Result<Json<MemberOut>, ApiError> {
    let member = state.store.tenant(&principal.tenant.id).member(&user_id).await?;
    Ok(Json(member.into()))
}

/// Changes a member's role. Needs an admin token; only owner tokens touch owners. The last
/// owner cannot be demoted.
#[utoipa::path(
    patch,
    path = "/api/v1/members/{user_id}",
    tag = "members",
    security(("bearer" = [])),
    params(("user_id" = String, Path, description = "The member's user id")),
    request_body = MemberPatch,
    responses(
        (status = 200, description = "The member after the change", body = MemberOut),
        (status = 401, description = "Missing or invalid token", body = ErrorBody),
        (status = 403, description = "The token's role may not make this change", body = ErrorBody),
        (status = 404, description = "No such member in this workspace", body = ErrorBody),
        (status = 409, description = "Would leave the workspace without an owner", body = ErrorBody),
        (status = 422, description = "Unknown role", body = ErrorBody),
    )
)]
pub async fn members_patch(
    State(state): State<AppState>,
    principal: ApiPrincipal,
    ip: ClientIp,
    Path(user_id): Path<String>,
    ApiJson(patch): ApiJson<MemberPatch>,
) -> Result<Json<MemberOut>, ApiError> {
    principal.require(Role::Admin, "changing roles")?;
    let role = Role::parse(&patch.role).map_err(|e| ApiError::Validation(e.to_string()))?;
    let scope = state.store.tenant(&principal.tenant.id);
    let target = scope.member(&user_id).await?;
    if !principal.token.role.can_manage(target.role) || !principal.token.role.can_manage(role) {
        return Err(ApiError::Forbidden(
            "Only owner tokens can make someone an owner or change an owner's role.".into(),
        ));
    }
    let before = match scope.change_role(&user_id, role).await {
        Ok(before) => before,
        Err(StoreError::Invalid(why)) => return Err(ApiError::Conflict(why)),
        Err(other) => return Err(other.into()),
    };
    let detail = format!("{} -> {role}", before.role);
    scope.audit(&principal.audit(&ip, "member.role_changed", &target.email, &detail)).await?;
    Ok(Json(scope.member(&user_id).await?.into()))
}

//! GET /api/v1/providers: the catalog.

use axum::Json;
use axum::extract::State;

use super::auth::ApiPrincipal;
use crate::error::{ApiError, ErrorBody};
use crate::state::AppState;

#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct FieldOut {
    pub name: String,
    pub label: String,
    pub secret: bool,
    pub optional: bool,
}

#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct ProviderOut {
    pub id: String,
    pub name: String,
    pub category: String,
    pub description: String,
    /// oauth2, api_key, basic or connection_string
    pub auth_kind: String,
    pub docs_url: String,
    /// OAuth sign-in can start (an OAuth app is configured on this server).
    pub oauth_ready: bool,
    pub scopes: Vec<String>,
    pub pkce: bool,
    /// static, rotating or none
    pub refresh: Option<String>,
    /// What to send as `credentials` to connect without OAuth.
    pub credential_fields: Vec<FieldOut>,
    pub rate_limit: Option<String>,
    /// What identifies the account, e.g. "HubSpot portal ID".
    pub account_identity: String,
}

#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct ProviderList {
    pub providers: Vec<ProviderOut>,
}

#[utoipa::path(get, path = "/api/v1/providers", tag = "connections", security(("bearer" = [])),
    responses((status = 200, body = ProviderList), (status = 401, body = ErrorBody)))]
pub async fn providers_list(
    State(state): State<AppState>,
    _principal: ApiPrincipal,
) -> Result<Json<ProviderList>, ApiError> {
    let providers = state
        .catalog
        .all()
        .iter()
        .map(|p| {
            let oauth = p.spec.oauth2.as_ref();
            ProviderOut {
                id: p.spec.id.clone(),
                name: p.spec.name.clone(),
                category: p.spec.category.as_str().into(),
                description: p.spec.description.clone(),
                auth_kind: p.spec.auth.as_str().into(),
                docs_url: p.spec.docs_url.clone(),
                oauth_ready: p.oauth_ready(),
                scopes: oauth.map(|o| o.scopes.clone()).unwrap_or_default(),
                pkce: oauth.is_some_and(|o| o.pkce),
                refresh: oauth.map(|o| format!("{:?}", o.refresh).to_lowercase()),
                credential_fields: p
                    .spec
                    .credential_fields()
                    .into_iter()
                    .map(|f| FieldOut { name: f.name, label: f.label, secret: f.secret, optional: f.optional })
                    .collect(),
                rate_limit: p.spec.rate_limit.as_ref().map(|r| r.note.clone()),
                account_identity: p.spec.check.identity_label.clone(),
            }
        })
        .collect();
    Ok(Json(ProviderList { providers }))
}

//! API authentication (bearer tokens) and JSON bodies with JSON errors.

use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::StatusCode;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

use crate::auth::tokens;
use crate::domain::Role;
use crate::error::ApiError;
use crate::http::extractors::ClientIp;
use crate::state::AppState;
use crate::storage::{ApiToken, NewAuditEntry, StoreError, Tenant};

/// The caller of an API request: a live token and the tenant it belongs to.
pub struct ApiPrincipal {
    pub token: ApiToken,
    pub tenant: Tenant,
}

impl ApiPrincipal {
    pub fn require(&self, min: Role, to_do: &str) -> Result<(), ApiError> {
        if self.token.role >= min {
            Ok(())
        } else {
            Err(ApiError::Forbidden(format!(
                "This token has the {} role; {to_do} needs {} or above. Create a token with a higher role under Settings.",
                self.token.role, min
            )))
        }
    }

    pub fn audit(&self, ip: &ClientIp, action: &str, target: &str, detail: &str) -> NewAuditEntry {
        NewAuditEntry {
            actor_user_id: self.token.created_by.clone(),
            actor: format!("token:{}", self.token.name),
            action: action.into(),
            target: target.into(),
            detail: detail.into(),
            ip: ip.0.clone(),
        }
    }
}

impl FromRequestParts<AppState> for ApiPrincipal {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let header = parts.headers.get(AUTHORIZATION).and_then(|v| v.to_str().ok()).ok_or(ApiError::Unauthorized)?;
        let secret = header
            .strip_prefix("Bearer ")
            .or_else(|| header.strip_prefix("bearer "))
            .map(str::trim)
            .filter(|s| !s.is_empty() && s.len() < 200)
            .ok_or(ApiError::Unauthorized)?;
        let token = match state.store.api_token_by_hash(&tokens::hash(secret)).await {
            Ok(token) => token,
            Err(StoreError::NotFound) => return Err(ApiError::Unauthorized),
            Err(other) => return Err(other.into()),
        };
        let tenant = state.store.tenant_by_id(&token.tenant_id).await?;
        Ok(ApiPrincipal { token, tenant })
    }
}

/// A JSON body whose rejections (wrong content type, malformed, too large, wrong shape)
/// come back in the API's error shape.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(value)) => Ok(ApiJson(value)),
            Err(rejection) => Err(json_error(rejection)),
        }
    }
}

fn json_error(rejection: JsonRejection) -> ApiError {
    match rejection {
        JsonRejection::MissingJsonContentType(_) => ApiError::UnsupportedMediaType,
        JsonRejection::JsonDataError(e) => {
            ApiError::Validation(format!("The JSON does not have the expected shape: {}", e.body_text()))
        }
        JsonRejection::JsonSyntaxError(_) => ApiError::BadRequest("The body is not valid JSON.".into()),
        other if other.status() == StatusCode::PAYLOAD_TOO_LARGE => ApiError::PayloadTooLarge,
        _ => ApiError::BadRequest("The request body could not be read.".into()),
    }
}

//! The two error surfaces: [`AppError`] renders an HTML page, [`ApiError`] the JSON shape
//! `{"error":{"code":"…","message":"…"}}`. Each picks the status and a message safe to show;
//! internal details are logged once, here, and never reach the response.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};

use crate::storage::StoreError;

/// Errors of the browser UI.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("not found")]
    NotFound,
    #[error("forbidden: {0}")]
    Forbidden(String),
    #[error("bad request: {0}")]
    BadRequest(String),
    /// Not signed in: send to the sign-in page and come back to `next`.
    #[error("sign-in required")]
    SignInRequired { next: String },
    /// Not an error for the user: this page lives elsewhere for them (303).
    #[error("redirect to {0}")]
    Redirect(String),
    #[error("CSRF check failed")]
    Csrf,
    #[error("payload too large")]
    PayloadTooLarge,
    #[error("too many requests: {0}")]
    TooManyRequests(String),
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl From<StoreError> for AppError {
    fn from(err: StoreError) -> Self {
        match err {
            StoreError::NotFound => AppError::NotFound,
            other => AppError::Internal(other.into()),
        }
    }
}

impl From<crate::auth::session::SessionError> for AppError {
    fn from(err: crate::auth::session::SessionError) -> Self {
        AppError::Internal(err.into())
    }
}

impl AppError {
    pub fn status(&self) -> StatusCode {
        match self {
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::Forbidden(_) | AppError::Csrf => StatusCode::FORBIDDEN,
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::SignInRequired { .. } | AppError::Redirect(_) => StatusCode::SEE_OTHER,
            AppError::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::TooManyRequests(_) => StatusCode::TOO_MANY_REQUESTS,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// Title, explanation and way forward, as shown on the error page.
    pub fn view(&self) -> hitch_app::models::ErrorView {
        use hitch_app::urls;
        let home = Some(("Back to the overview".to_owned(), urls::OVERVIEW.to_owned()));
        let (title, message, action) = match self {
            AppError::NotFound => (
                "Not found",
                "There is nothing here, or it belongs to a workspace you are not a member of.".to_owned(),
                home,
            ),
            AppError::Forbidden(why) => ("Not allowed", why.clone(), home),
            AppError::BadRequest(why) => ("That request could not be used", why.clone(), home),
            AppError::Csrf => (
                "This form has expired",
                "The form was open too long, your session ended, or it was not sent from Hitch. Nothing was changed. Go back, reload the page and try again.".to_owned(),
                home,
            ),
            AppError::PayloadTooLarge => (
                "Too much data",
                "The form sent more data than Hitch accepts. Nothing was changed.".to_owned(),
                home,
            ),
            AppError::TooManyRequests(why) => ("Slow down", why.clone(), None),
            AppError::SignInRequired { .. } | AppError::Redirect(_) => ("Moved", "Continue on the next page.".to_owned(), None),
            AppError::Internal(_) => (
                "Something went wrong on our side",
                "Hitch hit an unexpected error and nothing was changed. Try again in a moment; if it keeps happening, the server log has the details.".to_owned(),
                home,
            ),
        };
        hitch_app::models::ErrorView { status: self.status().as_u16(), title: title.to_owned(), message, action }
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        if let AppError::SignInRequired { next } = &self {
            let target = if next.is_empty() || next == "/" {
                hitch_app::urls::LOGIN.to_owned()
            } else {
                format!(
                    "{}?next={}",
                    hitch_app::urls::LOGIN,
                    url::form_urlencoded::byte_serialize(next.as_bytes()).collect::<String>()
                )
            };
            return Redirect::to(&target).into_response();
        }
        if let AppError::Redirect(to) = &self {
            return Redirect::to(to).into_response();
        }
        if let AppError::Internal(err) = &self {
            tracing::error!(error = format!("{err:#}"), "request failed");
        }
        let status = self.status();
        let body = crate::http::ui::error_page::render(&self);
        (status, axum::response::Html(body)).into_response()
    }
}

/// Errors of the JSON API under /api/v1.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("unauthorized")]
    Unauthorized,
    #[error("forbidden: {0}")]
    Forbidden(String),
    #[error("not found")]
    NotFound,
    #[error("bad request: {0}")]
    BadRequest(String),
    #[error("validation: {0}")]
    Validation(String),
    #[error("conflict: {0}")]
    Conflict(String),
    #[error("payload too large")]
    PayloadTooLarge,
    /// The provider refused the credentials given.
    #[error("credentials rejected: {0}")]
    CredentialsRejected(String),
    /// The provider failed or could not be reached.
    #[error("provider failed: {0}")]
    ProviderFailed(String),
    #[error("unsupported media type")]
    UnsupportedMediaType,
    #[error("method not allowed")]
    MethodNotAllowed,
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl From<crate::connections::ConnectError> for ApiError {
    fn from(err: crate::connections::ConnectError) -> Self {
        use crate::connections::ConnectError as E;
        match &err {
            E::Invalid(why) => ApiError::Validation(why.clone()),
            E::Auth { .. } => ApiError::CredentialsRejected(err.to_string()),
            E::Provider { .. } | E::Timeout { .. } | E::Network { .. } | E::Malformed { .. } => {
                ApiError::ProviderFailed(err.to_string())
            }
            E::Secrets(_) => ApiError::Conflict(err.to_string()),
            E::Storage(detail) => ApiError::Internal(anyhow::anyhow!("connection storage: {detail}")),
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(err: StoreError) -> Self {
        match err {
            StoreError::NotFound => ApiError::NotFound,
            StoreError::Invalid(why) => ApiError::Conflict(why),
            other => ApiError::Internal(other.into()),
        }
    }
}

/// The error body, as documented in the OpenAPI document.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct ErrorDetail {
    /// Stable machine-readable code, e.g. `not_found`, `validation_failed`.
    pub code: &'static str,
    /// What happened and what to do, for people.
    pub message: String,
}

impl ApiError {
    pub fn parts(&self) -> (StatusCode, &'static str, String) {
        match self {
            ApiError::Unauthorized => (
                StatusCode::UNAUTHORIZED,
                "unauthorized",
                "Missing or invalid API token. Send `Authorization: Bearer <token>`; create tokens under Settings."
                    .into(),
            ),
            ApiError::Forbidden(why) => (StatusCode::FORBIDDEN, "forbidden", why.clone()),
            ApiError::NotFound => (StatusCode::NOT_FOUND, "not_found", "No such resource in this workspace.".into()),
            ApiError::BadRequest(why) => (StatusCode::BAD_REQUEST, "bad_request", why.clone()),
            ApiError::Validation(why) => (StatusCode::UNPROCESSABLE_ENTITY, "validation_failed", why.clone()),
            ApiError::Conflict(why) => (StatusCode::CONFLICT, "conflict", why.clone()),
            ApiError::PayloadTooLarge => (
                StatusCode::PAYLOAD_TOO_LARGE,
                "payload_too_large",
                "The request body is larger than Hitch accepts.".into(),
            ),
            ApiError::CredentialsRejected(why) => {
                (StatusCode::UNPROCESSABLE_ENTITY, "credentials_rejected", why.clone())
            }
            ApiError::ProviderFailed(why) => (StatusCode::BAD_GATEWAY, "provider_error", why.clone()),
            ApiError::UnsupportedMediaType => (
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                "Send JSON with `Content-Type: application/json`.".into(),
            ),
            ApiError::MethodNotAllowed => (
                StatusCode::METHOD_NOT_ALLOWED,
                "method_not_allowed",
                "This endpoint does not accept that method; see /api/v1/openapi.json.".into(),
            ),
            ApiError::Internal(_) => (
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal",
                "Hitch hit an unexpected error and nothing was changed. Try again; the server log has details.".into(),
            ),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if let ApiError::Internal(err) = &self {
            tracing::error!(error = format!("{err:#}"), "API request failed");
        }
        let (status, code, message) = self.parts();
        (status, axum::Json(ErrorBody { error: ErrorDetail { code, message } })).into_response()
    }
}

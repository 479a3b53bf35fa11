//! The REST API under /api/v1: JSON in and out, bearer API tokens, errors always shaped
//! `{"error":{"code","message"}}`, described by the OpenAPI document at /api/v1/openapi.json.

pub mod auth;
pub mod me;
pub mod members;
pub mod openapi;

use axum::Router;
use axum::routing::get;

use crate::error::ApiError;
use crate::state::AppState;

/// Routes relative to /api/v1.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/openapi.json", get(openapi::openapi_get))
        .route("/me", get(me::me_get))
        .route("/members", get(members::members_list_get))
        .route(
            "/members/{user_id}",
            get(members::members_get).patch(members::members_patch),
        )
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
}

async fn not_found() -> ApiError {
    ApiError::NotFound
}

async fn method_not_allowed() -> ApiError {
    ApiError::MethodNotAllowed
}

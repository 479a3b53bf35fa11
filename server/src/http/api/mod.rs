//! The REST API under /api/v1: JSON in and out, bearer API tokens, errors always shaped
//! `{"error":{"code","message"}}`, described by the OpenAPI document at /api/v1/openapi.json.

pub mod auth;
pub mod connections;
pub mod me;
pub mod members;
pub mod openapi;
pub mod providers;

use axum::Router;
use axum::routing::{get, post};

use crate::error::ApiError;
use crate::state::AppState;

/// Routes relative to /api/v1.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/openapi.json", get(openapi::openapi_get))
        .route("/me", get(me::me_get))
        .route("/members", get(members::members_list_get))
        .route("/members/{user_id}", get(members::members_get).patch(members::members_patch))
        .route("/providers", get(providers::providers_list))
        .route("/connections", get(connections::connections_list).post(connections::connections_create))
        .route(
            "/connections/{id}",
            get(connections::connections_get)
                .patch(connections::connections_patch)
                .delete(connections::connections_delete),
        )
        .route("/connections/{id}/test", post(connections::connections_test))
        .route("/connections/{id}/reconnect", post(connections::connections_reconnect))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
}

async fn not_found() -> ApiError {
    ApiError::NotFound
}

async fn method_not_allowed() -> ApiError {
    ApiError::MethodNotAllowed
}

//! Error pages, and the not-found fallback for unknown paths.

use axum::response::IntoResponse;
use hitch_app::models::{Chrome, Nav};

use crate::error::AppError;

/// An error page with the signed-out frame (it must render even when the session can't load).
pub fn render(err: &AppError) -> String {
    let view = err.view();
    let chrome = Chrome { title: view.title.clone(), active: Nav::None, user: None, csrf: String::new(), flash: None };
    hitch_app::pages::error::render(chrome, view)
}

pub async fn not_found() -> impl IntoResponse {
    AppError::NotFound
}

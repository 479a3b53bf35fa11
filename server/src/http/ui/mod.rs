//! Browser pages: extract, call storage, render a page from `hitch_app`. Forms post and the
//! server redirects (303) with a flash message; pages work without JavaScript.

pub mod auth;
pub mod connect;
mod connection_views;
pub mod connections;
pub mod error_page;
pub mod invitations;
pub mod members;
pub mod overview;
pub mod queue;
mod recipe_form;
pub mod recipes;
mod rows;
mod run_views;
pub mod runs;
pub mod sections;
pub mod settings;
pub mod support;
pub mod webhooks;

use axum::response::Redirect;

use crate::auth::session::UserSession;
use crate::error::AppError;

/// Post/redirect/get: set a flash message and go to `to`.
pub async fn redirect_with(
    session: &UserSession,
    kind: &str,
    message: impl Into<String>,
    to: &str,
) -> Result<Redirect, AppError> {
    session.set_flash(kind, message).await?;
    Ok(Redirect::to(to))
}

/// A form field from the optional string a form posted.
pub fn field(value: &str, error: Option<String>) -> hitch_app::models::FieldState {
    hitch_app::models::FieldState { value: value.to_owned(), error }
}

/// A form with no fields besides the CSRF token (buttons such as "Sign out", "Revoke").
#[derive(serde::Deserialize)]
pub struct NoFields {}

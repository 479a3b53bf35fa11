//! The HTTP surface: one router listing every route, and the layers around it.

pub mod api;
mod assets;
mod chrome;
pub mod display;
pub mod extractors;
mod health;
mod hooks;
pub mod ui;
pub mod webhook_endpoints;

use axum::Router;
use axum::extract::{DefaultBodyLimit, MatchedPath, Request};
use axum::http::{HeaderName, HeaderValue, header};
use axum::routing::{get, post};
use hitch_app::urls::{self, connection_routes as conn, recipe_routes as recipe, routes};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;
use tower_sessions::cookie::SameSite;
use tower_sessions::{Expiry, SessionManagerLayer};

use crate::state::AppState;
use crate::storage::SessionBackend;

/// Largest request body accepted anywhere (forms and JSON); larger ones get 413.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// How long a session lasts without activity.
const SESSION_IDLE: time::Duration = time::Duration::hours(12);

const CSP: &str = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; \
                   frame-ancestors 'none'; form-action 'self'; base-uri 'none'; object-src 'none'";

/// The policy for a page whose form may redirect to `origin` (a provider's sign-in page):
/// browsers apply `form-action` to the redirect a form post answers with, so the OAuth
/// "Sign in with …" form needs the provider's origin allowed, and only there.
pub fn csp_allowing_form_target(origin: &str) -> String {
    CSP.replace("form-action 'self'", &format!("form-action 'self' {origin}"))
}

pub fn router(state: AppState) -> Router {
    let sessions = SessionManagerLayer::new(SessionBackend::new(state.store.clone()))
        .with_name("hitch_session")
        .with_secure(state.settings.secure_cookies())
        .with_same_site(SameSite::Lax)
        .with_http_only(true)
        .with_expiry(Expiry::OnInactivity(SESSION_IDLE));

    let ui = Router::new()
        .route(urls::HOME, get(ui::auth::home_get))
        .route(urls::LOGIN, get(ui::auth::login_get).post(ui::auth::login_post))
        .route(urls::SIGNUP, get(ui::auth::signup_get).post(ui::auth::signup_post))
        .route(urls::LOGOUT, post(ui::auth::logout_post))
        .route(urls::SWITCH_TENANT, post(ui::auth::switch_tenant_post))
        .route(urls::OVERVIEW, get(ui::overview::overview_get))
        .route(urls::CONNECTIONS, get(ui::connections::connections_get))
        .route(urls::CONNECTIONS_NEW, get(ui::connections::connections_new_get))
        .route(conn::CONNECT, get(ui::connect::connect_get).post(ui::connect::connect_post))
        .route(conn::CONNECT_OAUTH, post(ui::connect::connect_oauth_post))
        .route(conn::SHOW, get(ui::connections::connection_get))
        .route(conn::TEST, post(ui::connections::connection_test_post))
        .route(conn::RENAME, post(ui::connections::connection_rename_post))
        .route(conn::LIMIT, post(ui::connections::connection_limit_post))
        .route(conn::TOGGLE, post(ui::connections::connection_toggle_post))
        .route(conn::RECONNECT, get(ui::connect::reconnect_get).post(ui::connect::reconnect_post))
        .route(conn::RECONNECT_OAUTH, post(ui::connect::reconnect_oauth_post))
        .route(conn::DELETE, get(ui::connections::connection_delete_get).post(ui::connections::connection_delete_post))
        .route(urls::OAUTH_CALLBACK, get(ui::connect::oauth_callback_get))
        .route(urls::RECIPES, get(ui::recipes::recipes_get))
        .route(urls::RECIPES_NEW, get(ui::recipes::recipes_new_get).post(ui::recipes::recipes_new_post))
        .route(recipe::SHOW, get(ui::recipes::recipe_get))
        .route(recipe::EDIT, get(ui::recipes::recipe_edit_get).post(ui::recipes::recipe_edit_post))
        .route(recipe::RUN, post(ui::recipes::recipe_run_post))
        .route(recipe::DELETE, post(ui::recipes::recipe_delete_post))
        .route(recipe::WEBHOOKS, get(ui::webhooks::recipe_webhooks_get).post(ui::webhooks::recipe_webhooks_post))
        .route(recipe::WEBHOOK_REVOKE, post(ui::webhooks::recipe_webhooks_revoke_post))
        .route(urls::RUNS, get(ui::runs::runs_get))
        .route(recipe::RUN_SHOW, get(ui::runs::run_get))
        .route(urls::QUEUE, get(ui::queue::queue_get))
        .route(urls::ERRORS, get(ui::runs::errors_get))
        .route(urls::ALERTS, get(ui::sections::alerts_get))
        .route(urls::SETTINGS, get(ui::settings::settings_get).post(ui::settings::settings_post))
        .route(urls::SETTINGS_TOKENS, post(ui::settings::tokens_create_post))
        .route(routes::TOKEN_REVOKE, post(ui::settings::tokens_revoke_post))
        .route(urls::MEMBERS, get(ui::members::members_get))
        .route(urls::MEMBERS_INVITE, post(ui::members::members_invite_post))
        .route(routes::MEMBER_ROLE, post(ui::members::members_role_post))
        .route(routes::MEMBER_REMOVE, post(ui::members::members_remove_post))
        .route(routes::INVITATION_REVOKE, post(ui::members::invitations_revoke_post))
        .route(routes::INVITATION, get(ui::invitations::invitation_get).post(ui::invitations::invitation_post))
        .route(urls::SUPPORT, get(ui::support::support_get))
        .route(routes::SUPPORT_TENANT, get(ui::support::support_tenant_get))
        .fallback(ui::error_page::not_found)
        .layer(sessions);

    let ops = Router::new()
        .route("/healthz", get(health::healthz_get))
        .route("/readyz", get(health::readyz_get))
        .route("/metrics", get(health::metrics_get))
        .route(urls::STYLESHEET, get(assets::css_get))
        .route(urls::SCRIPT, get(assets::js_get));

    // Providers post here: outside the UI router (no session, no CSRF), and with the 1 MiB
    // limit webhooks need instead of the 64 KiB one (the route's layer overrides the global).
    let hooks = Router::new().route(
        "/hooks/{endpoint}",
        post(hooks::hook_post).layer(DefaultBodyLimit::max(crate::webhooks::DEFAULT_MAX_BODY_BYTES)),
    );

    Router::new()
        .nest("/api/v1", api::router())
        .merge(hooks)
        .merge(ops)
        .merge(ui)
        .layer(axum::middleware::from_fn_with_state(state.metrics.clone(), crate::metrics::track))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(
            // Spans name the route template, never the raw path: invitation links carry a
            // secret in the path.
            TraceLayer::new_for_http().make_span_with(|req: &Request| {
                let route = req.extensions().get::<MatchedPath>().map(|p| p.as_str().to_owned()).unwrap_or_default();
                tracing::info_span!("http", method = %req.method(), route = %route)
            }),
        )
        .layer(security_header(header::CONTENT_SECURITY_POLICY, CSP))
        .layer(security_header(header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .layer(security_header(header::X_FRAME_OPTIONS, "DENY"))
        // Keeps invitation links out of Referer headers sent to other sites.
        .layer(security_header(header::REFERRER_POLICY, "same-origin"))
        .with_state(state)
}

fn security_header(name: HeaderName, value: &'static str) -> SetResponseHeaderLayer<HeaderValue> {
    SetResponseHeaderLayer::if_not_present(name, HeaderValue::from_static(value))
}

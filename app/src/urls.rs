//! Every path the UI links to or posts to, in one place. The server's router uses the same
//! constants, so a link can't drift from its route.

pub const HOME: &str = "/";
pub const LOGIN: &str = "/login";
pub const SIGNUP: &str = "/signup";
pub const LOGOUT: &str = "/logout";
pub const SWITCH_TENANT: &str = "/switch-tenant";
pub const OVERVIEW: &str = "/overview";
pub const CONNECTIONS: &str = "/connections";
pub const RECIPES: &str = "/recipes";
pub const RUNS: &str = "/runs";
pub const QUEUE: &str = "/queue";
pub const ERRORS: &str = "/errors";
pub const ALERTS: &str = "/alerts";
pub const SETTINGS: &str = "/settings";
pub const SETTINGS_TOKENS: &str = "/settings/tokens";
pub const MEMBERS: &str = "/settings/members";
pub const MEMBERS_INVITE: &str = "/settings/members/invite";
pub const SUPPORT: &str = "/support";
pub const STYLESHEET: &str = "/assets/hitch.css";
pub const SCRIPT: &str = "/assets/hitch.js";

/// Route patterns with parameters, in axum's `{param}` syntax.
pub mod routes {
    pub const MEMBER_ROLE: &str = "/settings/members/{user_id}/role";
    pub const MEMBER_REMOVE: &str = "/settings/members/{user_id}/remove";
    pub const INVITATION_REVOKE: &str = "/settings/invitations/{id}/revoke";
    pub const TOKEN_REVOKE: &str = "/settings/tokens/{id}/revoke";
    pub const INVITATION: &str = "/invitations/{token}";
    pub const SUPPORT_TENANT: &str = "/support/tenants/{slug}";
}

pub fn member_role(user_id: &str) -> String {
    format!("/settings/members/{user_id}/role")
}

pub fn member_remove(user_id: &str) -> String {
    format!("/settings/members/{user_id}/remove")
}

pub fn invitation_revoke(id: &str) -> String {
    format!("/settings/invitations/{id}/revoke")
}

pub fn token_revoke(id: &str) -> String {
    format!("/settings/tokens/{id}/revoke")
}

/// The accept link for an invitation (a path; the server prefixes its public URL).
pub fn invitation(token: &str) -> String {
    format!("/invitations/{token}")
}

pub fn support_tenant(slug: &str) -> String {
    format!("/support/tenants/{slug}")
}

pub const CONNECTIONS_NEW: &str = "/connections/new";
pub const OAUTH_CALLBACK: &str = "/oauth/callback";

pub mod connection_routes {
    pub const CONNECT: &str = "/connections/new/{provider}";
    pub const CONNECT_OAUTH: &str = "/connections/new/{provider}/oauth";
    pub const SHOW: &str = "/connections/{id}";
    pub const TEST: &str = "/connections/{id}/test";
    pub const RENAME: &str = "/connections/{id}/rename";
    pub const LIMIT: &str = "/connections/{id}/limit";
    pub const TOGGLE: &str = "/connections/{id}/toggle";
    pub const RECONNECT: &str = "/connections/{id}/reconnect";
    pub const RECONNECT_OAUTH: &str = "/connections/{id}/reconnect/oauth";
    pub const DELETE: &str = "/connections/{id}/delete";
}

pub fn connect(provider: &str) -> String {
    format!("/connections/new/{provider}")
}

pub fn connect_oauth(provider: &str) -> String {
    format!("/connections/new/{provider}/oauth")
}

pub fn connection(id: &str) -> String {
    format!("/connections/{id}")
}

/// `/connections/{id}/{action}` for test, rename, limit, toggle, reconnect, reconnect/oauth, delete.
pub fn connection_action(id: &str, action: &str) -> String {
    format!("/connections/{id}/{action}")
}

pub const RECIPES_NEW: &str = "/recipes/new";

pub mod recipe_routes {
    pub const SHOW: &str = "/recipes/{id}";
    pub const EDIT: &str = "/recipes/{id}/edit";
    pub const RUN: &str = "/recipes/{id}/run";
    pub const DELETE: &str = "/recipes/{id}/delete";
    pub const WEBHOOKS: &str = "/recipes/{id}/webhooks";
    pub const WEBHOOK_REVOKE: &str = "/recipes/{id}/webhooks/revoke";
    pub const RUN_SHOW: &str = "/runs/{id}";
}

pub fn recipe(id: &str) -> String {
    format!("/recipes/{id}")
}

/// `/recipes/{id}/{action}` for edit, run, delete, webhooks, webhooks/revoke.
pub fn recipe_action(id: &str, action: &str) -> String {
    format!("/recipes/{id}/{action}")
}

pub fn run(id: &str) -> String {
    format!("/runs/{id}")
}

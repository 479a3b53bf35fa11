//! `hitch sandbox`: stateful stand-ins for the providers' OAuth2 servers and "who am I"
//! calls, so Hitch's connect flow completes locally with no third-party account. Hitch points
//! at it with `HITCH_PROVIDERS_SANDBOX=http://127.0.0.1:4010`; provider `P` lives under `/P`.
//!
//! Endpoints (all JSON unless noted):
//! - `GET|POST /{P}/oauth/authorize`: HTML consent page; the form posts back with `decision`.
//! - `POST /{P}/oauth/token`: authorization_code and refresh_token grants (RFC 6749 errors).
//! - `GET /mailchimp/oauth/metadata` (`Authorization: OAuth <token>`).
//! - `POST /paypal/v1/oauth2/token`: client credentials (HTTP Basic).
//! - Each catalog `[check] path` under `/{P}` (see `whoami.rs`).
//! - Control: `GET /_sandbox/health`; `POST /_sandbox/oauth/{P}/revoke|settings`;
//!   `GET /_sandbox/oauth/{P}/stats`; `POST|DELETE /_sandbox/faults`; and two additions for
//!   tests: `POST /_sandbox/clock/advance {"secs":N}` (codes and tokens age without sleeping)
//!   and `POST /_sandbox/keys {"provider","key"}` (accept one more API key).
//! - Stateful CRM stand-ins with seeded data: HubSpot CRM v3 under `/hubspot/crm/v3/…`
//!   (`hubspot/`) and Stripe under `/stripe/v1/…` (`stripe/`), each with a control API under
//!   `/_sandbox/{hubspot|stripe}/` (reset, settings, records, touch, delete); see their docs.
//! - Webhooks out (`webhooks/`): Stripe's `/stripe/v1/webhook_endpoints` API and HubSpot's
//!   app settings at `/_sandbox/hubspot/webhooks` say where; record changes are sent signed
//!   as each provider signs them; `GET /_sandbox/webhooks/deliveries` shows what receivers
//!   answered and `/_sandbox/webhooks/settings` sets retry delays.
//!
//! Credentials accepted: client `hitch-sandbox-client` / `hitch-sandbox-secret` everywhere;
//! PayPal also any client id with a secret starting `sandbox-`; API keys starting
//! `sk_test_sandbox` or `rk_test_sandbox` (Stripe), `SG.sandbox` (SendGrid), `TEST_sandbox`
//! (ShipEngine); static tokens `pat-sandbox-…` (HubSpot) and `EAAAsandbox…` (Square).
//!
//! Deterministic identities (catalog `identity` → `display`):
//! - stripe: `acct_1HitchSandbox000` → "Sandbox Co"
//! - paypal: `https://www.paypal.com/webapps/auth/identity/user/hitch-sandbox-paypal-user`
//!   → "Sam Sandbox"
//! - square: `MLHITCHSANDBOX` → "Sandbox Coffee Co"
//! - sendgrid: `4818181` (number) → "sandbox-co"
//! - mailchimp: `8d3a3db4d97663a9074efcc16` → "Sandbox Co" (metadata `dc` "us1")
//! - salesforce: org `00D5j00000HITCHSBX` → "sam@sandbox-co.example" (user `0055j00000HITCHUSR`)
//! - hubspot: portal `24681357` (number) → "app.hubspot.com"
//! - google_calendar: id_token `sub` "108234567890123456789", email "sam@sandbox-co.example"
//! - outlook: `3f2504e0-4f89-41d3-9a0c-0305e82c3301` (Graph `id` = id_token `oid`)
//!   → "sam@sandboxco.onmicrosoft.com"; tenant `1b7e1f6a-2f4c-4d6e-9a3b-5c8d0e2f4a61`
//! - quickbooks: realmId `9130357992221046` → "Sandbox Co"
//! - xero: tenant `e9a8b7c6-d5e4-4f3a-8b2c-1d0e9f8a7b6c` → "Sandbox Co"
//! - shipengine: no identity; one carrier `se-1234567`.

mod accounts;
mod api_auth;
mod consent;
mod control;
mod data;
mod faults;
mod hubspot;
mod jwt;
mod ledger;
mod oauth;
mod pkce;
mod state;
mod stripe;
mod token;
mod webhooks;
mod whoami;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::Context;
use axum::Router;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

use crate::providers::catalog::{self, OAuth2Spec, ProviderSpec};

pub use accounts::{
    GOOGLE_SUB, HUBSPOT_PORTAL_ID, OUTLOOK_OBJECT_ID, QUICKBOOKS_REALM_ID, SALESFORCE_ORG_ID, STRIPE_ACCOUNT_ID,
    XERO_TENANT_ID,
};

/// Shared by every handler: the catalog and the sandbox's memory.
pub struct Sandbox {
    providers: Vec<ProviderSpec>,
    shared: state::Shared,
    /// The stateful CRM and payments stand-ins (HubSpot CRM v3, Stripe).
    crm: data::Crm,
    /// Webhooks out: where to, and the sender.
    hooks: webhooks::Hooks,
}

impl Sandbox {
    fn new() -> Sandbox {
        let providers = catalog::parse_all().unwrap_or_else(|err| {
            // The catalog is compiled in and tested; this only guards against a broken build.
            tracing::error!(error = %err, "sandbox: the provider catalog does not parse");
            Vec::new()
        });
        Sandbox {
            providers,
            shared: state::Shared::default(),
            crm: data::Crm::default(),
            hooks: webhooks::Hooks::default(),
        }
    }

    /// A provider the sandbox stands in for (user-supplied endpoints are not sandboxed).
    fn provider(&self, id: &str) -> Result<&ProviderSpec, Reject> {
        self.providers
            .iter()
            .find(|p| p.id == id && !matches!(id, "http" | "postgres"))
            .ok_or_else(|| not_found_json(&format!("The sandbox has no provider {id:?}.")).into())
    }

    /// A provider that signs in with OAuth2, with its OAuth section.
    fn oauth_provider(&self, id: &str) -> Result<(&ProviderSpec, &OAuth2Spec), Reject> {
        let spec = self.provider(id)?;
        match &spec.oauth2 {
            Some(o) => Ok((spec, o)),
            None => Err(not_found_json(&format!("{} does not sign in with OAuth2.", spec.name)).into()),
        }
    }
}

/// A response that ends a handler early. Boxed because `Response` is large and the happy
/// path should not pay for it.
pub struct Reject(Box<Response>);

impl From<Response> for Reject {
    fn from(response: Response) -> Reject {
        Reject(Box::new(response))
    }
}

impl IntoResponse for Reject {
    fn into_response(self) -> Response {
        *self.0
    }
}

/// The sandbox's own origin as the caller reached it, so returned URLs work from there.
fn base_url(headers: &HeaderMap) -> String {
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("127.0.0.1");
    format!("http://{host}")
}

fn not_found_json(message: &str) -> Response {
    (StatusCode::NOT_FOUND, axum::Json(serde_json::json!({"error": "not_found", "message": message}))).into_response()
}

async fn fallback() -> Response {
    not_found_json("No such sandbox endpoint.")
}

/// Every sandbox route.
pub fn router() -> Router {
    let sandbox = Arc::new(Sandbox::new());
    Router::new()
        .route("/_sandbox/health", get(control::health_get))
        .route("/_sandbox/oauth/{provider}/revoke", post(control::revoke_post))
        .route("/_sandbox/oauth/{provider}/settings", post(control::settings_post))
        .route("/_sandbox/oauth/{provider}/stats", get(control::stats_get))
        .route("/_sandbox/faults", post(control::faults_post).delete(control::faults_delete))
        .route("/_sandbox/clock/advance", post(control::clock_advance_post))
        .route("/_sandbox/keys", post(control::keys_post))
        .route("/_sandbox/webhooks/deliveries", get(webhooks::deliveries_get).delete(webhooks::deliveries_delete))
        .route("/_sandbox/webhooks/settings", get(webhooks::settings_get).post(webhooks::settings_post))
        .route("/{provider}/oauth/authorize", get(oauth::authorize_get).post(oauth::authorize_post))
        .route("/{provider}/oauth/token", post(token::token_post))
        .route("/mailchimp/oauth/metadata", get(oauth::mailchimp_metadata_get))
        .route("/paypal/v1/oauth2/token", post(token::paypal_token_post))
        .route("/paypal/v1/identity/oauth2/userinfo", get(whoami::paypal_userinfo_get))
        .route("/stripe/v1/account", get(whoami::stripe_account_get))
        .route("/sendgrid/v3/user/username", get(whoami::sendgrid_username_get))
        .route("/shipengine/v1/carriers", get(whoami::shipengine_carriers_get))
        .route("/square/v2/merchants/me", get(whoami::square_merchant_get))
        .route("/mailchimp/3.0/", get(whoami::mailchimp_root_get))
        .route("/mailchimp/3.0", get(whoami::mailchimp_root_get))
        .route("/salesforce/services/oauth2/userinfo", get(whoami::salesforce_userinfo_get))
        .route("/hubspot/account-info/v3/details", get(whoami::hubspot_details_get))
        .route("/google_calendar/calendar/v3/users/me/calendarList", get(whoami::google_calendar_list_get))
        .route("/outlook/v1.0/me", get(whoami::outlook_me_get))
        .route("/quickbooks/v3/company/{realm}/companyinfo/{id}", get(whoami::quickbooks_company_get))
        .route("/xero/connections", get(whoami::xero_connections_get))
        .route("/xero/Connections", get(whoami::xero_connections_get))
        .merge(hubspot::routes(sandbox.clone()))
        .merge(stripe::routes(sandbox.clone()))
        .fallback(fallback)
        .layer(axum::middleware::from_fn_with_state(sandbox.clone(), webhooks::after_writes))
        .layer(axum::middleware::from_fn_with_state(sandbox.clone(), faults::inject))
        .with_state(sandbox)
}

/// Serves the sandbox on `bind` until `shutdown` completes.
pub async fn serve(bind: &str, shutdown: impl Future<Output = ()> + Send + 'static) -> anyhow::Result<()> {
    let listener = TcpListener::bind(bind).await.with_context(|| format!("listen on {bind}"))?;
    let addr = listener.local_addr()?;
    tracing::info!(
        address = %addr,
        hint = %format!("start Hitch with HITCH_PROVIDERS_SANDBOX=http://{addr}"),
        "the provider sandbox is serving"
    );
    axum::serve(listener, router()).with_graceful_shutdown(shutdown).await.context("sandbox HTTP server")
}

/// For tests: a fresh sandbox on 127.0.0.1 with a port the OS picks.
pub async fn spawn_on_random_port() -> anyhow::Result<(SocketAddr, JoinHandle<()>)> {
    let listener = TcpListener::bind("127.0.0.1:0").await.context("listen on 127.0.0.1:0")?;
    let addr = listener.local_addr()?;
    let handle = tokio::spawn(async move {
        if let Err(err) = axum::serve(listener, router()).await {
            tracing::error!(error = %err, "sandbox server stopped");
        }
    });
    Ok((addr, handle))
}

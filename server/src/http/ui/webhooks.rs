//! The Webhooks section of a recipe's page: its endpoints, the form to add one (the answer
//! shows the new secret, once), revoke, and the latest events received.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use hitch_app::models::{NewWebhookView, WebhookEventRow, WebhookFormView, WebhookRow, WebhooksView};
use hitch_app::urls;

use super::{field, redirect_with};
use crate::domain::Role;
use crate::error::AppError;
use crate::http::display::timestamp;
use crate::http::extractors::{ClientIp, CsrfForm, Member};
use crate::http::webhook_endpoints::{self as endpoints, hook_url};
use crate::state::AppState;
use crate::storage::{Recipe, TenantStore, WebhookEndpoint};
use crate::webhooks::{EndpointField, EndpointProblem, EndpointRequest, SCHEME_NAMES, Scheme};

/// How many received events the section lists.
const RECENT_EVENTS: i64 = 10;

/// What the form just posted, to show beside the section: the values and problem of a
/// refused form, or the endpoint just created.
#[derive(Default)]
pub struct Posted {
    scheme: String,
    event_id_pointer: String,
    problem: Option<EndpointProblem>,
    created: Option<NewWebhookView>,
}

/// A scheme in words.
fn scheme_label(scheme: &Scheme) -> String {
    match scheme {
        Scheme::Stripe => "Stripe".into(),
        Scheme::HubspotV3 => "HubSpot (v3)".into(),
        Scheme::Generic { event_id_pointer: None } => "Generic HMAC".into(),
        Scheme::Generic { event_id_pointer: Some(p) } => format!("Generic HMAC, event id at {p}"),
    }
}

fn stored_scheme_label(endpoint: &WebhookEndpoint) -> String {
    serde_json::from_str::<Scheme>(&endpoint.scheme).map(|s| scheme_label(&s)).unwrap_or_else(|_| "(unknown)".into())
}

/// The select's options: first "follow the source", then each scheme by name.
fn scheme_choices(source_default: &Scheme) -> Vec<(String, String)> {
    let named = SCHEME_NAMES.iter().filter_map(|name| {
        let scheme = EndpointRequest::parse(Some(name), None, None).ok()?.scheme?;
        Some(((*name).to_owned(), scheme_label(&scheme)))
    });
    std::iter::once((String::new(), format!("Match the source ({})", scheme_label(source_default))))
        .chain(named)
        .collect()
}

/// The section's view model for `recipe`, around what was just posted.
pub async fn section(
    state: &AppState,
    member: &Member,
    scope: &TenantStore<'_>,
    recipe: &Recipe,
    posted: Posted,
) -> Result<WebhooksView, AppError> {
    let (tz, now) = (crate::http::display::zone(&member.tenant.time_zone), crate::storage::now_ms());
    let endpoints = scope
        .webhook_endpoints(&recipe.id)
        .await?
        .iter()
        .map(|e| WebhookRow {
            id: e.id.clone(),
            url: hook_url(state, &e.id),
            scheme: stored_scheme_label(e),
            created: timestamp(e.created_at, tz, now),
            revoked: e.revoked_at.map(|at| timestamp(at, tz, now)),
        })
        .collect();
    let events = scope
        .recent_webhook_events(&recipe.id, RECENT_EVENTS)
        .await?
        .into_iter()
        .map(|e| WebhookEventRow {
            received: timestamp(e.received_at, tz, now),
            kind: e.kind,
            event_id: e.event_id,
            run_href: e.run_id.map(|id| urls::run(&id)),
        })
        .collect();
    let source_default = match scope.connection(&recipe.source_connection_id).await {
        Ok(source) => Scheme::for_provider(&source.provider),
        Err(_) => Scheme::for_provider(""),
    };
    let error_for =
        |which: EndpointField| posted.problem.as_ref().filter(|p| p.field == which).map(|p| p.message.clone());
    let form = WebhookFormView {
        scheme: field(&posted.scheme, error_for(EndpointField::Scheme)),
        schemes: scheme_choices(&source_default),
        event_id_pointer: field(&posted.event_id_pointer, error_for(EndpointField::EventIdPointer)),
        secret_error: error_for(EndpointField::Secret),
    };
    Ok(WebhooksView {
        endpoints,
        events,
        can_edit: member.role.can_edit(),
        create_action: urls::recipe_action(&recipe.id, "webhooks"),
        revoke_action: urls::recipe_action(&recipe.id, "webhooks/revoke"),
        form,
        created: posted.created,
    })
}

#[derive(serde::Deserialize)]
pub struct WebhookInput {
    #[serde(default)]
    scheme: String,
    #[serde(default)]
    event_id_pointer: String,
    #[serde(default)]
    secret: String,
}

/// An empty form field means "not given".
fn given(value: &str) -> Option<&str> {
    Some(value.trim()).filter(|v| !v.is_empty())
}

pub async fn recipe_webhooks_post(
    State(state): State<AppState>,
    member: Member,
    ip: ClientIp,
    Path(id): Path<String>,
    CsrfForm(input): CsrfForm<WebhookInput>,
) -> Result<Response, AppError> {
    member.require(Role::Editor, "add webhook endpoints")?;
    let parsed = EndpointRequest::parse(given(&input.scheme), given(&input.event_id_pointer), given(&input.secret));
    let mut posted = Posted {
        scheme: input.scheme.trim().chars().take(40).collect(),
        event_id_pointer: input.event_id_pointer.trim().chars().take(200).collect(),
        ..Posted::default()
    };
    let request = match parsed {
        Ok(request) => request,
        Err(problem) => {
            posted.problem = Some(problem);
            let page = super::recipes::recipe_page(&state, &member, &id, posted).await?;
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(page)).into_response());
        }
    };
    let own_secret = request.secret.is_some();
    let audit = |action: &str, target: &str, detail: &str| member.audit(&ip, action, target, detail);
    let created = endpoints::create(&state, &member.tenant.id, &id, request, &audit).await?;
    // Shown in this answer only; from now on the secret exists only sealed.
    let secret = (!own_secret).then_some(created.secret);
    let created = NewWebhookView { url: hook_url(&state, &created.endpoint.id), secret };
    let page =
        super::recipes::recipe_page(&state, &member, &id, Posted { created: Some(created), ..Posted::default() })
            .await?;
    Ok((StatusCode::CREATED, Html(page)).into_response())
}

/// The form's address opened directly (a reload of the answer): back to the recipe.
pub async fn recipe_webhooks_get(Path(id): Path<String>) -> Redirect {
    Redirect::to(&format!("{}#webhooks", urls::recipe(&id)))
}

#[derive(serde::Deserialize)]
pub struct RevokeInput {
    #[serde(default)]
    endpoint: String,
}

pub async fn recipe_webhooks_revoke_post(
    State(state): State<AppState>,
    member: Member,
    ip: ClientIp,
    Path(id): Path<String>,
    CsrfForm(input): CsrfForm<RevokeInput>,
) -> Result<Redirect, AppError> {
    member.require(Role::Editor, "revoke webhook endpoints")?;
    let endpoint = state.store.tenant(&member.tenant.id).webhook_endpoint(&input.endpoint).await?;
    // Only through the page of the recipe it belongs to.
    if endpoint.recipe_id != id {
        return Err(AppError::NotFound);
    }
    let audit = |action: &str, target: &str, detail: &str| member.audit(&ip, action, target, detail);
    endpoints::revoke(&state, &member.tenant.id, &endpoint.id, &audit).await?;
    let message = "Endpoint revoked. The provider's deliveries to its URL are now refused; remove it in the provider's settings too.";
    redirect_with(&member.me.session, "success", message, &format!("{}#webhooks", urls::recipe(&id))).await
}

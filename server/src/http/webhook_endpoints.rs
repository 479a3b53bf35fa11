//! Creating and revoking a recipe's webhook endpoints, shared by the API and the recipe page.
//! The secret is generated (or the person's own), sealed bound to its endpoint, and handed
//! back to the caller to show once; the audit log names only the start of the endpoint id,
//! since the id is the URL and so a credential too.

use crate::auth::tokens;
use crate::error::{ApiError, AppError};
use crate::state::AppState;
use crate::storage::{NewAuditEntry, StoreError, TenantId, WebhookEndpoint};
use crate::webhooks::{EndpointRequest, Scheme, generate_endpoint_secret};

/// Builds the audit entry for `(action, target, detail)` as the caller (a member or an API
/// token) is recorded.
pub type Audit<'a> = &'a (dyn Fn(&str, &str, &str) -> NewAuditEntry + Send + Sync);

/// An endpoint just made, with its secret in the clear for this one answer.
pub struct Created {
    pub endpoint: WebhookEndpoint,
    pub secret: String,
}

#[derive(Debug, thiserror::Error)]
pub enum EndpointError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl From<EndpointError> for ApiError {
    fn from(err: EndpointError) -> Self {
        match err {
            EndpointError::Store(e) => e.into(),
            EndpointError::Internal(e) => ApiError::Internal(e),
        }
    }
}

impl From<EndpointError> for AppError {
    fn from(err: EndpointError) -> Self {
        match err {
            EndpointError::Store(e) => e.into(),
            EndpointError::Internal(e) => AppError::Internal(e),
        }
    }
}

/// Creates an endpoint that runs the recipe when a signed event arrives. Without a chosen
/// scheme it follows the recipe's source (Stripe, HubSpot, else generic HMAC).
pub async fn create(
    state: &AppState,
    tenant_id: &TenantId,
    recipe_id: &str,
    request: EndpointRequest,
    audit: Audit<'_>,
) -> Result<Created, EndpointError> {
    let scope = state.store.tenant(tenant_id);
    let recipe = scope.recipe(recipe_id).await?;
    let scheme = match request.scheme {
        Some(scheme) => scheme,
        None => Scheme::for_provider(&scope.connection(&recipe.source_connection_id).await?.provider),
    };
    let secret = request.secret.unwrap_or_else(|| generate_endpoint_secret(&scheme));
    let id = tokens::generate("wh_");
    let sealed = state
        .secrets
        .seal(secret.as_bytes(), &WebhookEndpoint::secret_context(tenant_id, &id))
        .map_err(|e| anyhow::anyhow!("sealing a webhook secret: {e}"))?;
    let scheme_json = serde_json::to_string(&scheme).map_err(anyhow::Error::from)?;
    let endpoint = scope.create_webhook_endpoint(&id, &recipe.id, &scheme_json, &sealed).await?;
    scope.audit(&audit("webhook.created", &recipe.name, &short(&id))).await?;
    Ok(Created { endpoint, secret })
}

/// Revokes an endpoint: later deliveries to its URL get 404.
pub async fn revoke(
    state: &AppState,
    tenant_id: &TenantId,
    endpoint_id: &str,
    audit: Audit<'_>,
) -> Result<WebhookEndpoint, EndpointError> {
    let scope = state.store.tenant(tenant_id);
    let endpoint = scope.revoke_webhook_endpoint(endpoint_id).await?;
    state.hook_endpoints.forget(endpoint_id);
    scope.audit(&audit("webhook.revoked", &endpoint.recipe_id, &short(endpoint_id))).await?;
    Ok(endpoint)
}

/// The URL to give the provider.
pub fn hook_url(state: &AppState, endpoint_id: &str) -> String {
    state.settings.absolute_url(&format!("/hooks/{endpoint_id}"))
}

/// Enough of an endpoint id to tell endpoints apart in the audit log, not enough to call it.
pub fn short(id: &str) -> String {
    format!("{}…", id.chars().take(10).collect::<String>())
}

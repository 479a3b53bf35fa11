//! Inbound webhook endpoints (their sealed signing secrets) and the events they received,
//! whose unique (endpoint, event id) pair is the dedupe of provider redeliveries.

use sqlx::any::AnyRow;

use super::{Store, StoreError, StoreResult, TenantId, TenantStore, found, get_i64, get_opt_i64, get_str, now_ms};

/// An endpoint a provider posts events to (`/hooks/{id}`), which triggers one recipe.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookEndpoint {
    pub tenant_id: TenantId,
    /// The random token in the URL.
    pub id: String,
    pub recipe_id: String,
    /// JSON of `webhooks::Scheme`.
    pub scheme: String,
    /// Ciphertext; open it with the keyring and [`WebhookEndpoint::secret_context`].
    pub sealed_secret: String,
    pub created_at: i64,
    pub revoked_at: Option<i64>,
}

impl WebhookEndpoint {
    /// Binds the sealed secret to its endpoint, so a ciphertext copied onto another
    /// endpoint's row does not open there.
    pub fn secret_context(tenant_id: &TenantId, id: &str) -> String {
        format!("webhook:{tenant_id}:{id}")
    }
}

/// An authenticated event to store.
#[derive(Debug, Clone)]
pub struct NewWebhookEvent {
    pub event_id: String,
    pub kind: String,
    /// Redacted JSON of the event object.
    pub payload: String,
}

/// A stored event as a person looks at it (the payload stays in storage).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookEventSummary {
    pub endpoint_id: String,
    pub event_id: String,
    pub kind: String,
    pub received_at: i64,
    /// The run it triggered or joined, once queued.
    pub run_id: Option<String>,
}

const COLUMNS: &str = "tenant_id, id, recipe_id, scheme, secret, created_at, revoked_at";

fn from_row(row: &AnyRow) -> Result<WebhookEndpoint, sqlx::Error> {
    Ok(WebhookEndpoint {
        tenant_id: TenantId(get_str(row, "tenant_id")?),
        id: get_str(row, "id")?,
        recipe_id: get_str(row, "recipe_id")?,
        scheme: get_str(row, "scheme")?,
        sealed_secret: get_str(row, "secret")?,
        created_at: get_i64(row, "created_at")?,
        revoked_at: get_opt_i64(row, "revoked_at")?,
    })
}

impl Store {
    /// The endpoint behind a `/hooks/{id}` URL, whichever tenant owns it: the caller is a
    /// provider, not a member, so the id itself is what selects the tenant.
    #[tracing::instrument(skip_all)]
    pub async fn webhook_endpoint_by_id(&self, id: &str) -> StoreResult<WebhookEndpoint> {
        let sql = format!("SELECT {COLUMNS} FROM webhook_endpoints WHERE id = $1");
        let row = sqlx::query(&sql).bind(id).fetch_optional(&self.pool).await?;
        row.as_ref().map(from_row).transpose()?.ok_or(StoreError::NotFound)
    }
}

impl TenantStore<'_> {
    #[tracing::instrument(skip_all)]
    pub async fn create_webhook_endpoint(
        &self,
        id: &str,
        recipe_id: &str,
        scheme: &str,
        sealed_secret: &str,
    ) -> StoreResult<WebhookEndpoint> {
        // The recipe must be this tenant's: the foreign key alone would accept another's.
        let done = sqlx::query(
            "INSERT INTO webhook_endpoints (id, tenant_id, recipe_id, scheme, secret, created_at)
             SELECT $1, $2, $3, $4, $5, $6 WHERE EXISTS (SELECT 1 FROM recipes WHERE tenant_id = $2 AND id = $3)",
        )
        .bind(id)
        .bind(&self.tenant_id.0)
        .bind(recipe_id)
        .bind(scheme)
        .bind(sealed_secret)
        .bind(now_ms())
        .execute(self.pool())
        .await?;
        found(done)?;
        self.webhook_endpoint(id).await
    }

    #[tracing::instrument(skip_all)]
    pub async fn webhook_endpoint(&self, id: &str) -> StoreResult<WebhookEndpoint> {
        let sql = format!("SELECT {COLUMNS} FROM webhook_endpoints WHERE tenant_id = $1 AND id = $2");
        let row = sqlx::query(&sql).bind(&self.tenant_id.0).bind(id).fetch_optional(self.pool()).await?;
        row.as_ref().map(from_row).transpose()?.ok_or(StoreError::NotFound)
    }

    /// A recipe's endpoints, revoked ones included, oldest first.
    #[tracing::instrument(skip_all)]
    pub async fn webhook_endpoints(&self, recipe_id: &str) -> StoreResult<Vec<WebhookEndpoint>> {
        let sql = format!(
            "SELECT {COLUMNS} FROM webhook_endpoints WHERE tenant_id = $1 AND recipe_id = $2 ORDER BY created_at, id"
        );
        let rows = sqlx::query(&sql).bind(&self.tenant_id.0).bind(recipe_id).fetch_all(self.pool()).await?;
        Ok(rows.iter().map(from_row).collect::<Result<_, _>>()?)
    }

    /// Revokes an endpoint; revoking it again keeps the first revocation time.
    #[tracing::instrument(skip_all)]
    pub async fn revoke_webhook_endpoint(&self, id: &str) -> StoreResult<WebhookEndpoint> {
        let done = sqlx::query(
            "UPDATE webhook_endpoints SET revoked_at = COALESCE(revoked_at, $3) WHERE tenant_id = $1 AND id = $2",
        )
        .bind(&self.tenant_id.0)
        .bind(id)
        .bind(now_ms())
        .execute(self.pool())
        .await?;
        found(done)?;
        self.webhook_endpoint(id).await
    }

    /// The latest events received by any of a recipe's endpoints, newest first.
    #[tracing::instrument(skip_all)]
    pub async fn recent_webhook_events(&self, recipe_id: &str, limit: i64) -> StoreResult<Vec<WebhookEventSummary>> {
        let rows = sqlx::query(
            "SELECT e.endpoint_id, e.event_id, e.kind, e.received_at, e.run_id FROM webhook_events e
             JOIN webhook_endpoints w ON w.tenant_id = e.tenant_id AND w.id = e.endpoint_id
             WHERE e.tenant_id = $1 AND w.recipe_id = $2 ORDER BY e.received_at DESC, e.id DESC LIMIT $3",
        )
        .bind(&self.tenant_id.0)
        .bind(recipe_id)
        .bind(limit)
        .fetch_all(self.pool())
        .await?;
        let summary = |r: &AnyRow| {
            Ok(WebhookEventSummary {
                endpoint_id: get_str(r, "endpoint_id")?,
                event_id: get_str(r, "event_id")?,
                kind: get_str(r, "kind")?,
                received_at: get_i64(r, "received_at")?,
                run_id: sqlx::Row::try_get::<Option<String>, _>(r, "run_id")?,
            })
        };
        Ok(rows.iter().map(summary).collect::<Result<_, sqlx::Error>>()?)
    }

    /// How many events an endpoint has stored.
    #[tracing::instrument(skip_all)]
    pub async fn webhook_event_count(&self, endpoint_id: &str) -> StoreResult<i64> {
        let row = sqlx::query("SELECT COUNT(*) AS n FROM webhook_events WHERE tenant_id = $1 AND endpoint_id = $2")
            .bind(&self.tenant_id.0)
            .bind(endpoint_id)
            .fetch_one(self.pool())
            .await?;
        Ok(get_i64(&row, "n")?)
    }
}

impl Store {
    /// Every sealed webhook secret on the platform (key rotation reads them all). The key id
    /// is the one named in the ciphertext itself.
    #[tracing::instrument(skip_all)]
    pub async fn sealed_webhook_secrets(&self) -> StoreResult<Vec<super::SealedRow>> {
        let rows = sqlx::query("SELECT tenant_id, id, secret FROM webhook_endpoints").fetch_all(&self.pool).await?;
        rows.iter()
            .map(|r| {
                let sealed = get_str(r, "secret")?;
                let key_id = sealed.split(':').nth(1).unwrap_or_default().to_owned();
                Ok(super::SealedRow {
                    tenant_id: TenantId(get_str(r, "tenant_id")?),
                    connection_id: get_str(r, "id")?,
                    sealed,
                    key_id,
                })
            })
            .collect()
    }

    /// Replaces a webhook secret's ciphertext if it is still the one read (compare-and-swap).
    #[tracing::instrument(skip_all)]
    pub async fn replace_webhook_secret(&self, row: &super::SealedRow, sealed: &str) -> StoreResult<bool> {
        let done =
            sqlx::query("UPDATE webhook_endpoints SET secret = $4 WHERE tenant_id = $1 AND id = $2 AND secret = $3")
                .bind(&row.tenant_id.0)
                .bind(&row.connection_id)
                .bind(&row.sealed)
                .bind(sealed)
                .execute(&self.pool)
                .await?;
        Ok(done.rows_affected() == 1)
    }
}

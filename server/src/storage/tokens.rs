//! API tokens. The secret is shown once at creation; only its SHA-256 hash is stored (the
//! token is 256 random bits, so a fast hash is enough and lookups stay one indexed query).

use sqlx::any::AnyRow;

use super::{
    ApiToken, Store, StoreError, StoreResult, TenantId, TenantStore, get_i64, get_opt_i64, get_role, get_str, new_id,
    now_ms,
};
use crate::domain::Role;

const TOKEN_COLUMNS: &str = "tenant_id, id, name, role, last_four, created_by, created_at, last_used_at";

/// How stale `last_used_at` may get before a request refreshes it; saves a write per call.
const LAST_USED_GRANULARITY_MS: i64 = 60_000;

fn token_from_row(row: &AnyRow) -> Result<ApiToken, sqlx::Error> {
    Ok(ApiToken {
        tenant_id: TenantId(get_str(row, "tenant_id")?),
        id: get_str(row, "id")?,
        name: get_str(row, "name")?,
        role: get_role(row, "role")?,
        last_four: get_str(row, "last_four")?,
        created_by: sqlx::Row::try_get::<Option<String>, _>(row, "created_by")?,
        created_at: get_i64(row, "created_at")?,
        last_used_at: get_opt_i64(row, "last_used_at")?,
    })
}

impl Store {
    /// The live (not revoked) token with this hash, marking it used. The token names its tenant.
    #[tracing::instrument(skip_all)]
    pub async fn api_token_by_hash(&self, token_hash: &str) -> StoreResult<ApiToken> {
        let sql = format!("SELECT {TOKEN_COLUMNS} FROM api_tokens WHERE token_hash = $1 AND revoked_at IS NULL");
        let row = sqlx::query(&sql).bind(token_hash).fetch_optional(&self.pool).await?;
        let token = row.as_ref().map(token_from_row).transpose()?.ok_or(StoreError::NotFound)?;
        let now = now_ms();
        if token.last_used_at.is_none_or(|t| now - t > LAST_USED_GRANULARITY_MS) {
            sqlx::query("UPDATE api_tokens SET last_used_at = $2 WHERE id = $1")
                .bind(&token.id)
                .bind(now)
                .execute(&self.pool)
                .await?;
        }
        Ok(token)
    }
}

impl TenantStore<'_> {
    #[tracing::instrument(skip_all)]
    pub async fn create_api_token(
        &self,
        name: &str,
        role: Role,
        token_hash: &str,
        last_four: &str,
        created_by: Option<&str>,
    ) -> StoreResult<ApiToken> {
        let token = ApiToken {
            tenant_id: self.tenant_id.clone(),
            id: new_id(),
            name: name.to_owned(),
            role,
            last_four: last_four.to_owned(),
            created_by: created_by.map(str::to_owned),
            created_at: now_ms(),
            last_used_at: None,
        };
        sqlx::query(
            "INSERT INTO api_tokens (tenant_id, id, name, role, token_hash, last_four, created_by, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(&self.tenant_id.0)
        .bind(&token.id)
        .bind(&token.name)
        .bind(role.as_str())
        .bind(token_hash)
        .bind(&token.last_four)
        .bind(created_by)
        .bind(token.created_at)
        .execute(self.pool())
        .await
        .map_err(|e| StoreError::conflict_as(e, "token"))?;
        Ok(token)
    }

    #[tracing::instrument(skip_all)]
    pub async fn api_token_count(&self) -> StoreResult<i64> {
        let row = sqlx::query("SELECT COUNT(*) AS n FROM api_tokens WHERE tenant_id = $1 AND revoked_at IS NULL")
            .bind(&self.tenant_id.0)
            .fetch_one(self.pool())
            .await?;
        Ok(get_i64(&row, "n")?)
    }

    /// Live tokens, newest first.
    #[tracing::instrument(skip_all)]
    pub async fn api_tokens(&self) -> StoreResult<Vec<ApiToken>> {
        let sql = format!(
            "SELECT {TOKEN_COLUMNS} FROM api_tokens WHERE tenant_id = $1 AND revoked_at IS NULL ORDER BY created_at DESC"
        );
        let rows = sqlx::query(&sql).bind(&self.tenant_id.0).fetch_all(self.pool()).await?;
        Ok(rows.iter().map(token_from_row).collect::<Result<_, _>>()?)
    }

    /// Revokes a live token of this tenant and returns it; `NotFound` otherwise.
    #[tracing::instrument(skip_all)]
    pub async fn revoke_api_token(&self, id: &str) -> StoreResult<ApiToken> {
        let sql =
            format!("SELECT {TOKEN_COLUMNS} FROM api_tokens WHERE tenant_id = $1 AND id = $2 AND revoked_at IS NULL");
        let row = sqlx::query(&sql).bind(&self.tenant_id.0).bind(id).fetch_optional(self.pool()).await?;
        let token = row.as_ref().map(token_from_row).transpose()?.ok_or(StoreError::NotFound)?;
        sqlx::query("UPDATE api_tokens SET revoked_at = $3 WHERE tenant_id = $1 AND id = $2 AND revoked_at IS NULL")
            .bind(&self.tenant_id.0)
            .bind(id)
            .bind(now_ms())
            .execute(self.pool())
            .await?;
        Ok(token)
    }
}

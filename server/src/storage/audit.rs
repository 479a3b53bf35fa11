//! The append-only audit log. Rows belong to a tenant, or to the platform (tenant id NULL)
//! for events with no tenant, such as a failed sign-in for an unknown email.

use sqlx::any::AnyRow;

use super::{AuditEntry, NewAuditEntry, Store, StoreResult, TenantId, TenantStore, get_i64, get_str, now_ms};

const AUDIT_COLUMNS: &str = "id, tenant_id, actor, action, target, detail, ip, at";

fn audit_from_row(row: &AnyRow) -> Result<AuditEntry, sqlx::Error> {
    Ok(AuditEntry {
        id: get_i64(row, "id")?,
        tenant_id: sqlx::Row::try_get::<Option<String>, _>(row, "tenant_id")?.map(TenantId),
        actor: get_str(row, "actor")?,
        action: get_str(row, "action")?,
        target: get_str(row, "target")?,
        detail: get_str(row, "detail")?,
        ip: get_str(row, "ip")?,
        at: get_i64(row, "at")?,
    })
}

impl Store {
    async fn append_audit(&self, tenant_id: Option<&TenantId>, entry: &NewAuditEntry) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO audit_log (tenant_id, actor_user_id, actor, action, target, detail, ip, at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(tenant_id.map(|t| t.0.as_str()))
        .bind(entry.actor_user_id.as_deref())
        .bind(&entry.actor)
        .bind(&entry.action)
        .bind(&entry.target)
        .bind(&entry.detail)
        .bind(&entry.ip)
        .bind(now_ms())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Records an event that belongs to no tenant.
    #[tracing::instrument(skip_all, fields(action = %entry.action))]
    pub async fn audit_platform(&self, entry: &NewAuditEntry) -> StoreResult<()> {
        self.append_audit(None, entry).await
    }

    /// Platform-level events, newest first (support console).
    #[tracing::instrument(skip_all)]
    pub async fn platform_audit_log(&self, limit: i64) -> StoreResult<Vec<AuditEntry>> {
        let sql = format!("SELECT {AUDIT_COLUMNS} FROM audit_log WHERE tenant_id IS NULL ORDER BY id DESC LIMIT $1");
        let rows = sqlx::query(&sql).bind(limit).fetch_all(&self.pool).await?;
        Ok(rows.iter().map(audit_from_row).collect::<Result<_, _>>()?)
    }
}

impl TenantStore<'_> {
    #[tracing::instrument(skip_all, fields(action = %entry.action))]
    pub async fn audit(&self, entry: &NewAuditEntry) -> StoreResult<()> {
        self.store.append_audit(Some(&self.tenant_id), entry).await
    }

    /// This tenant's events, newest first.
    #[tracing::instrument(skip_all)]
    pub async fn audit_log(&self, limit: i64) -> StoreResult<Vec<AuditEntry>> {
        let sql = format!("SELECT {AUDIT_COLUMNS} FROM audit_log WHERE tenant_id = $1 ORDER BY id DESC LIMIT $2");
        let rows = sqlx::query(&sql).bind(&self.tenant_id.0).bind(limit).fetch_all(self.pool()).await?;
        Ok(rows.iter().map(audit_from_row).collect::<Result<_, _>>()?)
    }
}

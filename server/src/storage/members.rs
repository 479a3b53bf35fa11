//! A tenant's members and its own profile.

use sqlx::any::AnyRow;
use sqlx::{Any, Transaction};

use super::accounts::tenant_from_row;
use super::{Member, StoreError, StoreResult, Tenant, TenantId, TenantStore, found, get_i64, get_role, get_str};
use crate::domain::{Role, TenantName, TimeZone};

fn member_from_row(row: &AnyRow) -> Result<Member, sqlx::Error> {
    Ok(Member {
        tenant_id: TenantId(get_str(row, "tenant_id")?),
        user_id: get_str(row, "user_id")?,
        email: get_str(row, "email")?,
        role: get_role(row, "role")?,
        joined_at: get_i64(row, "created_at")?,
    })
}

const MEMBER_SELECT: &str = "SELECT m.tenant_id, m.user_id, u.email, m.role, m.created_at
     FROM memberships m JOIN users u ON u.id = m.user_id";

/// Serialises membership changes within one tenant. The no-op update takes a row lock on
/// PostgreSQL and the write lock on SQLite, so two admins demoting the last two owners at the
/// same moment can't both pass the "another owner remains" check.
async fn lock_tenant(tx: &mut Transaction<'_, Any>, tenant_id: &TenantId) -> StoreResult<()> {
    let locked =
        sqlx::query("UPDATE tenants SET slug = slug WHERE id = $1").bind(&tenant_id.0).execute(&mut **tx).await?;
    if locked.rows_affected() == 0 {
        return Err(StoreError::NotFound);
    }
    Ok(())
}

async fn owner_count(tx: &mut Transaction<'_, Any>, tenant_id: &TenantId) -> StoreResult<i64> {
    let row = sqlx::query("SELECT COUNT(*) AS n FROM memberships WHERE tenant_id = $1 AND role = 'owner'")
        .bind(&tenant_id.0)
        .fetch_one(&mut **tx)
        .await?;
    Ok(get_i64(&row, "n")?)
}

async fn member_in_tx(tx: &mut Transaction<'_, Any>, tenant_id: &TenantId, user_id: &str) -> StoreResult<Member> {
    let sql = format!("{MEMBER_SELECT} WHERE m.tenant_id = $1 AND m.user_id = $2");
    let row = sqlx::query(&sql).bind(&tenant_id.0).bind(user_id).fetch_optional(&mut **tx).await?;
    row.as_ref().map(member_from_row).transpose()?.ok_or(StoreError::NotFound)
}

const LAST_OWNER: &str = "Every workspace needs at least one owner. Make someone else an owner first.";

impl TenantStore<'_> {
    /// This tenant's own record.
    #[tracing::instrument(skip_all)]
    pub async fn profile(&self) -> StoreResult<Tenant> {
        let row = sqlx::query("SELECT t.id, t.slug, t.name, t.time_zone, t.created_at FROM tenants t WHERE t.id = $1")
            .bind(&self.tenant_id.0)
            .fetch_optional(self.pool())
            .await?;
        row.as_ref().map(tenant_from_row).transpose()?.ok_or(StoreError::NotFound)
    }

    #[tracing::instrument(skip_all)]
    pub async fn update_profile(&self, name: &TenantName, time_zone: &TimeZone) -> StoreResult<()> {
        found(
            sqlx::query("UPDATE tenants SET name = $2, time_zone = $3 WHERE id = $1")
                .bind(&self.tenant_id.0)
                .bind(name.as_str())
                .bind(time_zone.name())
                .execute(self.pool())
                .await?,
        )
    }

    /// Members by role (owners first), then email.
    #[tracing::instrument(skip_all)]
    pub async fn members(&self) -> StoreResult<Vec<Member>> {
        let sql = format!(
            "{MEMBER_SELECT} WHERE m.tenant_id = $1
             ORDER BY CASE m.role WHEN 'owner' THEN 0 WHEN 'admin' THEN 1 WHEN 'editor' THEN 2 ELSE 3 END, u.email"
        );
        let rows = sqlx::query(&sql).bind(&self.tenant_id.0).fetch_all(self.pool()).await?;
        Ok(rows.iter().map(member_from_row).collect::<Result<_, _>>()?)
    }

    /// One member, or `NotFound` (also for a user of another tenant).
    #[tracing::instrument(skip_all)]
    pub async fn member(&self, user_id: &str) -> StoreResult<Member> {
        let sql = format!("{MEMBER_SELECT} WHERE m.tenant_id = $1 AND m.user_id = $2");
        let row = sqlx::query(&sql).bind(&self.tenant_id.0).bind(user_id).fetch_optional(self.pool()).await?;
        row.as_ref().map(member_from_row).transpose()?.ok_or(StoreError::NotFound)
    }

    #[tracing::instrument(skip_all)]
    pub async fn member_count(&self) -> StoreResult<i64> {
        let row = sqlx::query("SELECT COUNT(*) AS n FROM memberships WHERE tenant_id = $1")
            .bind(&self.tenant_id.0)
            .fetch_one(self.pool())
            .await?;
        Ok(get_i64(&row, "n")?)
    }

    /// Adds an existing user; `Conflict("member")` when they already belong here.
    #[tracing::instrument(skip_all)]
    pub async fn add_member(&self, user_id: &str, role: Role) -> StoreResult<()> {
        let mut tx = self.pool().begin().await?;
        lock_tenant(&mut tx, &self.tenant_id).await?;
        if !super::accounts::insert_membership(&mut tx, &self.tenant_id, user_id, role).await? {
            return Err(StoreError::Conflict("member".into()));
        }
        tx.commit().await?;
        Ok(())
    }

    /// Changes a member's role and returns the member as they were before. Refuses to leave
    /// the tenant without an owner.
    #[tracing::instrument(skip_all)]
    pub async fn change_role(&self, user_id: &str, role: Role) -> StoreResult<Member> {
        let mut tx = self.pool().begin().await?;
        lock_tenant(&mut tx, &self.tenant_id).await?;
        let before = member_in_tx(&mut tx, &self.tenant_id, user_id).await?;
        if before.role == Role::Owner && role != Role::Owner && owner_count(&mut tx, &self.tenant_id).await? <= 1 {
            return Err(StoreError::Invalid(LAST_OWNER.into()));
        }
        sqlx::query("UPDATE memberships SET role = $3 WHERE tenant_id = $1 AND user_id = $2")
            .bind(&self.tenant_id.0)
            .bind(user_id)
            .bind(role.as_str())
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(before)
    }

    /// Removes a member and returns them as they were. Refuses to remove the last owner.
    #[tracing::instrument(skip_all)]
    pub async fn remove_member(&self, user_id: &str) -> StoreResult<Member> {
        let mut tx = self.pool().begin().await?;
        lock_tenant(&mut tx, &self.tenant_id).await?;
        let before = member_in_tx(&mut tx, &self.tenant_id, user_id).await?;
        if before.role == Role::Owner && owner_count(&mut tx, &self.tenant_id).await? <= 1 {
            return Err(StoreError::Invalid(LAST_OWNER.into()));
        }
        sqlx::query("DELETE FROM memberships WHERE tenant_id = $1 AND user_id = $2")
            .bind(&self.tenant_id.0)
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(before)
    }
}

//! Platform-level records: tenants and users. Not tenant-owned, so they live on [`Store`].

use sqlx::any::AnyRow;
use sqlx::{Any, Transaction};

use super::{
    MembershipOf, Store, StoreError, StoreResult, Tenant, TenantId, TenantSummary, User, get_i64, get_role, get_str,
    new_id, now_ms,
};
use crate::domain::{Email, Role, Slug, TenantName};

const TENANT_COLUMNS: &str = "t.id, t.slug, t.name, t.time_zone, t.created_at";
const USER_COLUMNS: &str = "id, email, password_hash, is_support_staff, created_at";

pub(super) fn tenant_from_row(row: &AnyRow) -> Result<Tenant, sqlx::Error> {
    Ok(Tenant {
        id: TenantId(get_str(row, "id")?),
        slug: get_str(row, "slug")?,
        name: get_str(row, "name")?,
        time_zone: get_str(row, "time_zone")?,
        created_at: get_i64(row, "created_at")?,
    })
}

pub(super) fn user_from_row(row: &AnyRow) -> Result<User, sqlx::Error> {
    Ok(User {
        id: get_str(row, "id")?,
        email: get_str(row, "email")?,
        password_hash: get_str(row, "password_hash")?,
        is_support_staff: get_i64(row, "is_support_staff")? != 0,
        created_at: get_i64(row, "created_at")?,
    })
}

/// Inserts a tenant under the first free slug: `base`, `base-2`, `base-3`, ... then a random
/// suffix. `ON CONFLICT DO NOTHING` keeps a taken slug from aborting a PostgreSQL transaction.
async fn insert_tenant(tx: &mut Transaction<'_, Any>, name: &TenantName) -> StoreResult<Tenant> {
    let base = name.slug();
    let now = now_ms();
    for attempt in 1..=25u32 {
        let slug = match attempt {
            1 => base.clone(),
            n if n < 25 => base.with_suffix(n),
            _ => Slug::parse(&format!("{}-{}", base.as_str(), &new_id()[24..32])).unwrap_or(base.clone()),
        };
        let tenant = Tenant {
            id: TenantId(new_id()),
            slug: slug.as_str().to_owned(),
            name: name.as_str().to_owned(),
            time_zone: "UTC".into(),
            created_at: now,
        };
        let inserted = sqlx::query(
            "INSERT INTO tenants (id, slug, name, time_zone, created_at) VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (slug) DO NOTHING",
        )
        .bind(&tenant.id.0)
        .bind(&tenant.slug)
        .bind(&tenant.name)
        .bind(&tenant.time_zone)
        .bind(tenant.created_at)
        .execute(&mut **tx)
        .await?;
        if inserted.rows_affected() == 1 {
            return Ok(tenant);
        }
    }
    Err(StoreError::Conflict("slug".into()))
}

async fn insert_user(
    tx: &mut Transaction<'_, Any>,
    email: &Email,
    password_hash: &str,
    is_support_staff: bool,
) -> StoreResult<User> {
    let user = User {
        id: new_id(),
        email: email.as_str().to_owned(),
        password_hash: password_hash.to_owned(),
        is_support_staff,
        created_at: now_ms(),
    };
    let inserted = sqlx::query(
        "INSERT INTO users (id, email, password_hash, is_support_staff, created_at) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (email) DO NOTHING",
    )
    .bind(&user.id)
    .bind(&user.email)
    .bind(&user.password_hash)
    .bind(i64::from(is_support_staff))
    .bind(user.created_at)
    .execute(&mut **tx)
    .await?;
    if inserted.rows_affected() == 0 {
        return Err(StoreError::Conflict("email".into()));
    }
    Ok(user)
}

pub(super) async fn insert_membership(
    tx: &mut Transaction<'_, Any>,
    tenant_id: &TenantId,
    user_id: &str,
    role: Role,
) -> StoreResult<bool> {
    let inserted = sqlx::query(
        "INSERT INTO memberships (tenant_id, user_id, role, created_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (tenant_id, user_id) DO NOTHING",
    )
    .bind(&tenant_id.0)
    .bind(user_id)
    .bind(role.as_str())
    .bind(now_ms())
    .execute(&mut **tx)
    .await?;
    Ok(inserted.rows_affected() == 1)
}

impl Store {
    /// Sign-up: a new tenant and its owner, all or nothing. `Conflict("email")` when the email
    /// is already registered.
    #[tracing::instrument(skip_all)]
    pub async fn create_tenant_with_owner(
        &self,
        name: &TenantName,
        email: &Email,
        password_hash: &str,
    ) -> StoreResult<(Tenant, User)> {
        let mut tx = self.pool.begin().await?;
        // The user insert comes first: it takes SQLite's write lock at once, and a taken email
        // fails before any slug is spent.
        let user = insert_user(&mut tx, email, password_hash, false).await?;
        let tenant = insert_tenant(&mut tx, name).await?;
        insert_membership(&mut tx, &tenant.id, &user.id, Role::Owner).await?;
        tx.commit().await?;
        Ok((tenant, user))
    }

    /// A tenant with no members yet (the `admin create-tenant` command).
    #[tracing::instrument(skip_all)]
    pub async fn create_tenant(&self, name: &TenantName) -> StoreResult<Tenant> {
        let mut tx = self.pool.begin().await?;
        let tenant = insert_tenant(&mut tx, name).await?;
        tx.commit().await?;
        Ok(tenant)
    }

    /// A user with no membership (support staff), or `Conflict("email")`.
    #[tracing::instrument(skip_all)]
    pub async fn create_user(&self, email: &Email, password_hash: &str, is_support_staff: bool) -> StoreResult<User> {
        let mut tx = self.pool.begin().await?;
        let user = insert_user(&mut tx, email, password_hash, is_support_staff).await?;
        tx.commit().await?;
        Ok(user)
    }

    /// A new user who is at once a member of `tenant_id` with `role` (the `admin create-user`
    /// command), all or nothing.
    #[tracing::instrument(skip_all)]
    pub async fn create_member_user(
        &self,
        tenant_id: &TenantId,
        email: &Email,
        password_hash: &str,
        role: Role,
    ) -> StoreResult<User> {
        let mut tx = self.pool.begin().await?;
        let user = insert_user(&mut tx, email, password_hash, false).await?;
        insert_membership(&mut tx, tenant_id, &user.id, role).await?;
        tx.commit().await?;
        Ok(user)
    }

    #[tracing::instrument(skip_all)]
    pub async fn tenant_by_slug(&self, slug: &str) -> StoreResult<Tenant> {
        let sql = format!("SELECT {TENANT_COLUMNS} FROM tenants t WHERE t.slug = $1");
        let row = sqlx::query(&sql).bind(slug).fetch_optional(&self.pool).await?;
        row.as_ref().map(tenant_from_row).transpose()?.ok_or(StoreError::NotFound)
    }

    #[tracing::instrument(skip_all)]
    pub async fn tenant_by_id(&self, id: &TenantId) -> StoreResult<Tenant> {
        let sql = format!("SELECT {TENANT_COLUMNS} FROM tenants t WHERE t.id = $1");
        let row = sqlx::query(&sql).bind(&id.0).fetch_optional(&self.pool).await?;
        row.as_ref().map(tenant_from_row).transpose()?.ok_or(StoreError::NotFound)
    }

    /// Every tenant with its member count, newest first (support console).
    #[tracing::instrument(skip_all)]
    pub async fn list_tenants(&self, limit: i64) -> StoreResult<Vec<TenantSummary>> {
        let sql = format!(
            "SELECT {TENANT_COLUMNS}, (SELECT COUNT(*) FROM memberships m WHERE m.tenant_id = t.id) AS members
             FROM tenants t ORDER BY t.created_at DESC LIMIT $1"
        );
        let rows = sqlx::query(&sql).bind(limit).fetch_all(&self.pool).await?;
        rows.iter()
            .map(|row| Ok(TenantSummary { tenant: tenant_from_row(row)?, members: get_i64(row, "members")? }))
            .collect()
    }

    #[tracing::instrument(skip_all)]
    pub async fn user_by_email(&self, email: &Email) -> StoreResult<User> {
        let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE email = $1");
        let row = sqlx::query(&sql).bind(email.as_str()).fetch_optional(&self.pool).await?;
        row.as_ref().map(user_from_row).transpose()?.ok_or(StoreError::NotFound)
    }

    #[tracing::instrument(skip_all)]
    pub async fn user_by_id(&self, id: &str) -> StoreResult<User> {
        let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1");
        let row = sqlx::query(&sql).bind(id).fetch_optional(&self.pool).await?;
        row.as_ref().map(user_from_row).transpose()?.ok_or(StoreError::NotFound)
    }

    /// The tenants a user belongs to, by name.
    #[tracing::instrument(skip_all)]
    pub async fn memberships_of(&self, user_id: &str) -> StoreResult<Vec<MembershipOf>> {
        let sql = format!(
            "SELECT {TENANT_COLUMNS}, m.role FROM memberships m JOIN tenants t ON t.id = m.tenant_id
             WHERE m.user_id = $1 ORDER BY t.name, t.slug"
        );
        let rows = sqlx::query(&sql).bind(user_id).fetch_all(&self.pool).await?;
        rows.iter()
            .map(|row| Ok(MembershipOf { tenant: tenant_from_row(row)?, role: get_role(row, "role")? }))
            .collect()
    }
}

//! Invitations: an admin invites an email with a role; the holder of the link joins.
//! Only a hash of the link's token is stored.

use sqlx::any::AnyRow;

use super::accounts::{insert_membership, user_from_row};
use super::{
    Invitation, Store, StoreError, StoreResult, TenantId, TenantStore, User, get_i64, get_opt_i64, get_role, get_str,
    new_id, now_ms,
};
use crate::domain::{Email, Role};

const INVITATION_COLUMNS: &str =
    "tenant_id, id, email, role, invited_by, created_at, expires_at, accepted_at, revoked_at";

fn invitation_from_row(row: &AnyRow) -> Result<Invitation, sqlx::Error> {
    Ok(Invitation {
        tenant_id: TenantId(get_str(row, "tenant_id")?),
        id: get_str(row, "id")?,
        email: get_str(row, "email")?,
        role: get_role(row, "role")?,
        invited_by: sqlx::Row::try_get::<Option<String>, _>(row, "invited_by")?,
        created_at: get_i64(row, "created_at")?,
        expires_at: get_i64(row, "expires_at")?,
        accepted_at: get_opt_i64(row, "accepted_at")?,
        revoked_at: get_opt_i64(row, "revoked_at")?,
    })
}

/// Who accepts an invitation: someone with an account already, or a new user.
pub enum Acceptor<'a> {
    Existing(&'a User),
    New { password_hash: &'a str },
}

const USED_OR_EXPIRED: &str = "This invitation was already used, revoked or has expired. Ask an admin for a new one.";

impl Store {
    /// Finds an invitation by the hash of its token. The token is the capability here, so this
    /// lookup is platform-level; what it returns names its tenant.
    #[tracing::instrument(skip_all)]
    pub async fn invitation_by_token_hash(&self, token_hash: &str) -> StoreResult<Invitation> {
        let sql = format!("SELECT {INVITATION_COLUMNS} FROM invitations WHERE token_hash = $1");
        let row = sqlx::query(&sql).bind(token_hash).fetch_optional(&self.pool).await?;
        row.as_ref().map(invitation_from_row).transpose()?.ok_or(StoreError::NotFound)
    }
}

impl TenantStore<'_> {
    /// Creates an invitation, replacing any open one for the same email.
    /// `Conflict("member")` when the email already belongs to a member.
    #[tracing::instrument(skip_all)]
    pub async fn create_invitation(
        &self,
        email: &Email,
        role: Role,
        token_hash: &str,
        invited_by: &str,
        ttl_ms: i64,
    ) -> StoreResult<Invitation> {
        let now = now_ms();
        let mut tx = self.pool().begin().await?;
        // Revoking first makes the first statement a write (SQLite takes its lock at once).
        sqlx::query(
            "UPDATE invitations SET revoked_at = $3
             WHERE tenant_id = $1 AND email = $2 AND accepted_at IS NULL AND revoked_at IS NULL",
        )
        .bind(&self.tenant_id.0)
        .bind(email.as_str())
        .bind(now)
        .execute(&mut *tx)
        .await?;
        let existing = sqlx::query(
            "SELECT COUNT(*) AS n FROM memberships m JOIN users u ON u.id = m.user_id
             WHERE m.tenant_id = $1 AND u.email = $2",
        )
        .bind(&self.tenant_id.0)
        .bind(email.as_str())
        .fetch_one(&mut *tx)
        .await?;
        if get_i64(&existing, "n")? > 0 {
            return Err(StoreError::Conflict("member".into()));
        }
        let invitation = Invitation {
            tenant_id: self.tenant_id.clone(),
            id: new_id(),
            email: email.as_str().to_owned(),
            role,
            invited_by: Some(invited_by.to_owned()),
            created_at: now,
            expires_at: now + ttl_ms,
            accepted_at: None,
            revoked_at: None,
        };
        sqlx::query(
            "INSERT INTO invitations (tenant_id, id, email, role, token_hash, invited_by, created_at, expires_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(&self.tenant_id.0)
        .bind(&invitation.id)
        .bind(&invitation.email)
        .bind(role.as_str())
        .bind(token_hash)
        .bind(invited_by)
        .bind(invitation.created_at)
        .bind(invitation.expires_at)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(invitation)
    }

    /// Invitations not yet accepted, revoked or expired, newest first.
    #[tracing::instrument(skip_all)]
    pub async fn open_invitations(&self) -> StoreResult<Vec<Invitation>> {
        let sql = format!(
            "SELECT {INVITATION_COLUMNS} FROM invitations
             WHERE tenant_id = $1 AND accepted_at IS NULL AND revoked_at IS NULL AND expires_at > $2
             ORDER BY created_at DESC"
        );
        let rows = sqlx::query(&sql).bind(&self.tenant_id.0).bind(now_ms()).fetch_all(self.pool()).await?;
        Ok(rows.iter().map(invitation_from_row).collect::<Result<_, _>>()?)
    }

    /// Revokes an open invitation of this tenant; `NotFound` otherwise.
    #[tracing::instrument(skip_all)]
    pub async fn revoke_invitation(&self, id: &str) -> StoreResult<Invitation> {
        let sql = format!("SELECT {INVITATION_COLUMNS} FROM invitations WHERE tenant_id = $1 AND id = $2");
        let row = sqlx::query(&sql).bind(&self.tenant_id.0).bind(id).fetch_optional(self.pool()).await?;
        let invitation = row.as_ref().map(invitation_from_row).transpose()?.ok_or(StoreError::NotFound)?;
        let revoked = sqlx::query(
            "UPDATE invitations SET revoked_at = $3
             WHERE tenant_id = $1 AND id = $2 AND accepted_at IS NULL AND revoked_at IS NULL",
        )
        .bind(&self.tenant_id.0)
        .bind(id)
        .bind(now_ms())
        .execute(self.pool())
        .await?;
        if revoked.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(invitation)
    }

    /// Uses an invitation once: marks it accepted, creates the user when new, adds the
    /// membership; all or nothing. Returns the user who joined.
    #[tracing::instrument(skip_all)]
    pub async fn accept_invitation(&self, invitation: &Invitation, acceptor: Acceptor<'_>) -> StoreResult<User> {
        let now = now_ms();
        let mut tx = self.pool().begin().await?;
        let claimed = sqlx::query(
            "UPDATE invitations SET accepted_at = $3
             WHERE tenant_id = $1 AND id = $2 AND accepted_at IS NULL AND revoked_at IS NULL AND expires_at > $3",
        )
        .bind(&self.tenant_id.0)
        .bind(&invitation.id)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        if claimed.rows_affected() == 0 {
            return Err(StoreError::Invalid(USED_OR_EXPIRED.into()));
        }
        let user = match acceptor {
            Acceptor::Existing(user) => user.clone(),
            Acceptor::New { password_hash } => {
                let user = User {
                    id: new_id(),
                    email: invitation.email.clone(),
                    password_hash: password_hash.to_owned(),
                    is_support_staff: false,
                    created_at: now,
                };
                let inserted = sqlx::query(
                    "INSERT INTO users (id, email, password_hash, is_support_staff, created_at) VALUES ($1, $2, $3, 0, $4)
                     ON CONFLICT (email) DO NOTHING",
                )
                .bind(&user.id)
                .bind(&user.email)
                .bind(&user.password_hash)
                .bind(now)
                .execute(&mut *tx)
                .await?;
                if inserted.rows_affected() == 0 {
                    return Err(StoreError::Conflict("email".into()));
                }
                user
            }
        };
        insert_membership(&mut tx, &self.tenant_id, &user.id, invitation.role).await?;
        let row = sqlx::query("SELECT id, email, password_hash, is_support_staff, created_at FROM users WHERE id = $1")
            .bind(&user.id)
            .fetch_one(&mut *tx)
            .await?;
        let user = user_from_row(&row)?;
        tx.commit().await?;
        Ok(user)
    }
}

//! Connections to providers: their status, account identity, sealed credentials, the
//! refresh lease, checks and events. The credentials column only ever holds ciphertext.

use sqlx::any::AnyRow;

use super::{Store, StoreError, StoreResult, TenantId, TenantStore, found, get_i64, get_opt_i64, get_str, now_ms};

/// Where a connection stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConnectionStatus {
    /// OAuth sign-in started, not finished.
    Pending,
    Active,
    /// The provider refused the grant (revoked, expired refresh token): a person must reconnect.
    NeedsReauth,
    /// The last check failed for another reason (provider down, key without permission).
    Error,
    Disabled,
}

impl ConnectionStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ConnectionStatus::Pending => "pending",
            ConnectionStatus::Active => "active",
            ConnectionStatus::NeedsReauth => "needs_reauth",
            ConnectionStatus::Error => "error",
            ConnectionStatus::Disabled => "disabled",
        }
    }

    fn parse(raw: &str) -> Result<Self, sqlx::Error> {
        Ok(match raw {
            "pending" => ConnectionStatus::Pending,
            "active" => ConnectionStatus::Active,
            "needs_reauth" => ConnectionStatus::NeedsReauth,
            "error" => ConnectionStatus::Error,
            "disabled" => ConnectionStatus::Disabled,
            other => {
                return Err(sqlx::Error::Decode(format!("unknown connection status {other:?}").into()));
            }
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Connection {
    pub tenant_id: TenantId,
    pub id: String,
    pub provider: String,
    pub label: String,
    pub auth_kind: String,
    pub status: ConnectionStatus,
    pub status_reason: String,
    pub account_id: String,
    pub account_name: String,
    pub base_url: String,
    /// Ciphertext; open it with the keyring and the context [`Connection::secret_context`].
    pub sealed_credentials: Option<String>,
    pub key_id: String,
    pub secret_hint: String,
    pub access_expires_at: Option<i64>,
    pub last_checked_at: Option<i64>,
    pub last_check_ok: Option<bool>,
    pub last_check_ms: Option<i64>,
    pub last_check_message: String,
    /// Runs that may use it at once; `None`: [`super::DEFAULT_MAX_CONCURRENT_RUNS`].
    pub max_concurrent_runs: Option<i64>,
    pub created_by: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

impl Connection {
    /// Associated data for the credentials' encryption: a ciphertext copied onto another
    /// connection or tenant does not open.
    pub fn secret_context(tenant_id: &TenantId, id: &str) -> String {
        format!("connection:{tenant_id}:{id}")
    }
}

/// Sealed credentials and what may be shown about them.
#[derive(Debug, Clone)]
pub struct SealedCredentials {
    pub sealed: String,
    pub key_id: String,
    pub secret_hint: String,
    pub access_expires_at: Option<i64>,
}

/// What makes a connection active: credentials and the account they belong to.
#[derive(Debug, Clone)]
pub struct Activation {
    pub credentials: SealedCredentials,
    pub account_id: String,
    pub account_name: String,
    pub base_url: String,
}

/// A single-use OAuth `state`, bound to a tenant and connection.
#[derive(Debug, Clone)]
pub struct OAuthState {
    pub state_hash: String,
    pub tenant_id: TenantId,
    pub connection_id: String,
    /// The user who started the flow in the browser; None when started through the API.
    pub user_id: Option<String>,
    pub sealed_pkce_verifier: Option<String>,
    pub reconnect: bool,
    pub expires_at: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectionEvent {
    pub id: i64,
    pub connection_id: String,
    pub kind: String,
    pub detail: String,
    pub at: i64,
}

/// A sealed credential anywhere on the platform, for key rotation.
#[derive(Debug, Clone)]
pub struct SealedRow {
    pub tenant_id: TenantId,
    pub connection_id: String,
    pub sealed: String,
    pub key_id: String,
}

const COLUMNS: &str = "tenant_id, id, provider, label, auth_kind, status, status_reason, account_id, account_name, \
     base_url, credentials, key_id, secret_hint, access_expires_at, last_checked_at, last_check_ok, last_check_ms, \
     last_check_message, max_concurrent_runs, created_by, created_at, updated_at";

fn from_row(row: &AnyRow) -> Result<Connection, sqlx::Error> {
    let opt_str = |col: &str| sqlx::Row::try_get::<Option<String>, _>(row, col);
    Ok(Connection {
        tenant_id: TenantId(get_str(row, "tenant_id")?),
        id: get_str(row, "id")?,
        provider: get_str(row, "provider")?,
        label: get_str(row, "label")?,
        auth_kind: get_str(row, "auth_kind")?,
        status: ConnectionStatus::parse(&get_str(row, "status")?)?,
        status_reason: get_str(row, "status_reason")?,
        account_id: get_str(row, "account_id")?,
        account_name: get_str(row, "account_name")?,
        base_url: get_str(row, "base_url")?,
        sealed_credentials: opt_str("credentials")?,
        key_id: get_str(row, "key_id")?,
        secret_hint: get_str(row, "secret_hint")?,
        access_expires_at: get_opt_i64(row, "access_expires_at")?,
        last_checked_at: get_opt_i64(row, "last_checked_at")?,
        last_check_ok: get_opt_i64(row, "last_check_ok")?.map(|v| v != 0),
        last_check_ms: get_opt_i64(row, "last_check_ms")?,
        last_check_message: get_str(row, "last_check_message")?,
        max_concurrent_runs: super::get_opt_i64(row, "max_concurrent_runs")?,
        created_by: opt_str("created_by")?,
        created_at: get_i64(row, "created_at")?,
        updated_at: get_i64(row, "updated_at")?,
    })
}

impl TenantStore<'_> {
    /// A new connection: `Pending` (OAuth sign-in to follow) or active with `activation`.
    #[tracing::instrument(skip_all)]
    pub async fn create_connection(
        &self,
        id: &str,
        provider: &str,
        label: &str,
        auth_kind: &str,
        created_by: Option<&str>,
        activation: Option<&Activation>,
    ) -> StoreResult<Connection> {
        let now = now_ms();
        let status = if activation.is_some() { ConnectionStatus::Active } else { ConnectionStatus::Pending };
        sqlx::query(
            "INSERT INTO connections (tenant_id, id, provider, label, auth_kind, status, account_id, account_name, base_url,
               credentials, key_id, secret_hint, access_expires_at, created_by, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $15)",
        )
        .bind(&self.tenant_id.0)
        .bind(id)
        .bind(provider)
        .bind(label)
        .bind(auth_kind)
        .bind(status.as_str())
        .bind(activation.map(|a| a.account_id.as_str()).unwrap_or(""))
        .bind(activation.map(|a| a.account_name.as_str()).unwrap_or(""))
        .bind(activation.map(|a| a.base_url.as_str()).unwrap_or(""))
        .bind(activation.map(|a| a.credentials.sealed.as_str()))
        .bind(activation.map(|a| a.credentials.key_id.as_str()).unwrap_or(""))
        .bind(activation.map(|a| a.credentials.secret_hint.as_str()).unwrap_or(""))
        .bind(activation.and_then(|a| a.credentials.access_expires_at))
        .bind(created_by)
        .bind(now)
        .execute(self.pool())
        .await?;
        self.connection(id).await
    }

    #[tracing::instrument(skip_all)]
    pub async fn connection(&self, id: &str) -> StoreResult<Connection> {
        let sql = format!("SELECT {COLUMNS} FROM connections WHERE tenant_id = $1 AND id = $2");
        let row = sqlx::query(&sql).bind(&self.tenant_id.0).bind(id).fetch_optional(self.pool()).await?;
        row.as_ref().map(from_row).transpose()?.ok_or(StoreError::NotFound)
    }

    /// Every connection but abandoned OAuth attempts, newest first.
    #[tracing::instrument(skip_all)]
    pub async fn connections(&self) -> StoreResult<Vec<Connection>> {
        let sql = format!(
            "SELECT {COLUMNS} FROM connections WHERE tenant_id = $1 AND status <> 'pending' ORDER BY created_at DESC"
        );
        let rows = sqlx::query(&sql).bind(&self.tenant_id.0).fetch_all(self.pool()).await?;
        Ok(rows.iter().map(from_row).collect::<Result<_, _>>()?)
    }

    #[tracing::instrument(skip_all)]
    pub async fn connection_count(&self) -> StoreResult<i64> {
        let row = sqlx::query("SELECT COUNT(*) AS n FROM connections WHERE tenant_id = $1 AND status <> 'pending'")
            .bind(&self.tenant_id.0)
            .fetch_one(self.pool())
            .await?;
        Ok(get_i64(&row, "n")?)
    }

    /// Stores new credentials and account identity, and marks the connection active.
    #[tracing::instrument(skip_all)]
    pub async fn activate_connection(&self, id: &str, activation: &Activation) -> StoreResult<()> {
        found(sqlx::query(
            "UPDATE connections SET status = 'active', status_reason = '', credentials = $3, key_id = $4, secret_hint = $5,
               access_expires_at = $6, account_id = $7, account_name = $8, base_url = $9, updated_at = $10
             WHERE tenant_id = $1 AND id = $2",
        )
        .bind(&self.tenant_id.0)
        .bind(id)
        .bind(&activation.credentials.sealed)
        .bind(&activation.credentials.key_id)
        .bind(&activation.credentials.secret_hint)
        .bind(activation.credentials.access_expires_at)
        .bind(&activation.account_id)
        .bind(&activation.account_name)
        .bind(&activation.base_url)
        .bind(now_ms())
        .execute(self.pool())
        .await?)
    }

    #[tracing::instrument(skip_all)]
    pub async fn set_connection_status(&self, id: &str, status: ConnectionStatus, reason: &str) -> StoreResult<()> {
        found(sqlx::query(
            "UPDATE connections SET status = $3, status_reason = $4, updated_at = $5 WHERE tenant_id = $1 AND id = $2",
        )
        .bind(&self.tenant_id.0)
        .bind(id)
        .bind(status.as_str())
        .bind(reason)
        .bind(now_ms())
        .execute(self.pool())
        .await?)
    }

    #[tracing::instrument(skip_all)]
    pub async fn set_max_concurrent_runs(&self, id: &str, limit: i64) -> StoreResult<()> {
        let updated = sqlx::query(
            "UPDATE connections SET max_concurrent_runs = $3, updated_at = $4 WHERE tenant_id = $1 AND id = $2",
        )
        .bind(&self.tenant_id.0)
        .bind(id)
        .bind(limit)
        .bind(now_ms())
        .execute(self.pool())
        .await?;
        if updated.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }

    #[tracing::instrument(skip_all)]
    pub async fn rename_connection(&self, id: &str, label: &str) -> StoreResult<()> {
        let updated =
            sqlx::query("UPDATE connections SET label = $3, updated_at = $4 WHERE tenant_id = $1 AND id = $2")
                .bind(&self.tenant_id.0)
                .bind(id)
                .bind(label)
                .bind(now_ms())
                .execute(self.pool())
                .await?;
        if updated.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }

    /// Deletes a connection with its credentials, states and events; returns it as it was.
    #[tracing::instrument(skip_all)]
    pub async fn delete_connection(&self, id: &str) -> StoreResult<Connection> {
        let connection = self.connection(id).await?;
        let mut tx = self.pool().begin().await?;
        sqlx::query("DELETE FROM connections WHERE tenant_id = $1 AND id = $2")
            .bind(&self.tenant_id.0)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM connection_events WHERE tenant_id = $1 AND connection_id = $2")
            .bind(&self.tenant_id.0)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(connection)
    }

    #[tracing::instrument(skip_all)]
    pub async fn record_check(&self, id: &str, ok: bool, millis: i64, message: &str) -> StoreResult<()> {
        sqlx::query(
            "UPDATE connections SET last_checked_at = $3, last_check_ok = $4, last_check_ms = $5, last_check_message = $6
             WHERE tenant_id = $1 AND id = $2",
        )
        .bind(&self.tenant_id.0)
        .bind(id)
        .bind(now_ms())
        .bind(i64::from(ok))
        .bind(millis)
        .bind(message)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// Appends to the connection's event log (alerts fire on these kinds).
    #[tracing::instrument(skip_all, fields(kind))]
    pub async fn connection_event(&self, id: &str, kind: &str, detail: &str) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO connection_events (tenant_id, connection_id, kind, detail, at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(&self.tenant_id.0)
        .bind(id)
        .bind(kind)
        .bind(detail)
        .bind(now_ms())
        .execute(self.pool())
        .await?;
        Ok(())
    }

    #[tracing::instrument(skip_all)]
    pub async fn connection_events(&self, id: &str, limit: i64) -> StoreResult<Vec<ConnectionEvent>> {
        let rows = sqlx::query(
            "SELECT id, connection_id, kind, detail, at FROM connection_events
             WHERE tenant_id = $1 AND connection_id = $2 ORDER BY id DESC LIMIT $3",
        )
        .bind(&self.tenant_id.0)
        .bind(id)
        .bind(limit)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(ConnectionEvent {
                    id: get_i64(r, "id")?,
                    connection_id: get_str(r, "connection_id")?,
                    kind: get_str(r, "kind")?,
                    detail: get_str(r, "detail")?,
                    at: get_i64(r, "at")?,
                })
            })
            .collect()
    }

    #[tracing::instrument(skip_all)]
    pub async fn create_oauth_state(&self, state: &OAuthState) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO oauth_states (state_hash, tenant_id, connection_id, user_id, pkce_verifier, reconnect, created_at, expires_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(&state.state_hash)
        .bind(&self.tenant_id.0)
        .bind(&state.connection_id)
        .bind(state.user_id.as_deref())
        .bind(state.sealed_pkce_verifier.as_deref())
        .bind(i64::from(state.reconnect))
        .bind(now_ms())
        .bind(state.expires_at)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// Takes the refresh lease if nobody holds it (or theirs expired). One conditional
    /// update, so exactly one process wins however many try at once.
    #[tracing::instrument(skip_all)]
    pub async fn try_lock_refresh(&self, id: &str, owner: &str, lease_ms: i64) -> StoreResult<bool> {
        let now = now_ms();
        let taken = sqlx::query(
            "UPDATE connections SET refresh_lock_until = $3, refresh_lock_owner = $4
             WHERE tenant_id = $1 AND id = $2 AND (refresh_lock_until IS NULL OR refresh_lock_until < $5)",
        )
        .bind(&self.tenant_id.0)
        .bind(id)
        .bind(now + lease_ms)
        .bind(owner)
        .bind(now)
        .execute(self.pool())
        .await?;
        Ok(taken.rows_affected() == 1)
    }

    /// Stores refreshed credentials and releases the lease, only while `owner` still holds it.
    #[tracing::instrument(skip_all)]
    pub async fn store_refreshed(&self, id: &str, owner: &str, credentials: &SealedCredentials) -> StoreResult<bool> {
        let stored = sqlx::query(
            "UPDATE connections SET credentials = $4, key_id = $5, secret_hint = $6, access_expires_at = $7,
               refresh_lock_until = NULL, refresh_lock_owner = NULL, updated_at = $8
             WHERE tenant_id = $1 AND id = $2 AND refresh_lock_owner = $3",
        )
        .bind(&self.tenant_id.0)
        .bind(id)
        .bind(owner)
        .bind(&credentials.sealed)
        .bind(&credentials.key_id)
        .bind(&credentials.secret_hint)
        .bind(credentials.access_expires_at)
        .bind(now_ms())
        .execute(self.pool())
        .await?;
        Ok(stored.rows_affected() == 1)
    }

    #[tracing::instrument(skip_all)]
    pub async fn release_refresh(&self, id: &str, owner: &str) -> StoreResult<()> {
        sqlx::query(
            "UPDATE connections SET refresh_lock_until = NULL, refresh_lock_owner = NULL
             WHERE tenant_id = $1 AND id = $2 AND refresh_lock_owner = $3",
        )
        .bind(&self.tenant_id.0)
        .bind(id)
        .bind(owner)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// Whether anyone holds the refresh lease now.
    pub async fn refresh_locked(&self, id: &str) -> StoreResult<bool> {
        let row = sqlx::query("SELECT refresh_lock_until FROM connections WHERE tenant_id = $1 AND id = $2")
            .bind(&self.tenant_id.0)
            .bind(id)
            .fetch_optional(self.pool())
            .await?
            .ok_or(StoreError::NotFound)?;
        Ok(get_opt_i64(&row, "refresh_lock_until")?.is_some_and(|until| until >= now_ms()))
    }
}

impl Store {
    /// Uses a `state` once: `NotFound` when unknown, already used or expired. The state is
    /// the capability that binds a callback to its tenant, so this lookup is platform-level.
    #[tracing::instrument(skip_all)]
    pub async fn take_oauth_state(&self, state_hash: &str) -> StoreResult<OAuthState> {
        let now = now_ms();
        let claimed = sqlx::query(
            "UPDATE oauth_states SET used_at = $2 WHERE state_hash = $1 AND used_at IS NULL AND expires_at > $2",
        )
        .bind(state_hash)
        .bind(now)
        .execute(&self.pool)
        .await?;
        if claimed.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        let row = sqlx::query(
            "SELECT state_hash, tenant_id, connection_id, user_id, pkce_verifier, reconnect, expires_at FROM oauth_states WHERE state_hash = $1",
        )
        .bind(state_hash)
        .fetch_one(&self.pool)
        .await?;
        Ok(OAuthState {
            state_hash: get_str(&row, "state_hash")?,
            tenant_id: TenantId(get_str(&row, "tenant_id")?),
            connection_id: get_str(&row, "connection_id")?,
            user_id: sqlx::Row::try_get::<Option<String>, _>(&row, "user_id")?,
            sealed_pkce_verifier: sqlx::Row::try_get::<Option<String>, _>(&row, "pkce_verifier")?,
            reconnect: get_i64(&row, "reconnect")? != 0,
            expires_at: get_i64(&row, "expires_at")?,
        })
    }

    /// Housekeeping: abandoned sign-ins (pending connections whose every state expired) and
    /// old states.
    #[tracing::instrument(skip_all)]
    pub async fn prune_oauth(&self, now: i64) -> StoreResult<u64> {
        let abandoned = sqlx::query(
            "DELETE FROM connections WHERE status = 'pending' AND updated_at < $1
               AND id NOT IN (SELECT connection_id FROM oauth_states WHERE expires_at > $1 AND used_at IS NULL)",
        )
        .bind(now - 3_600_000)
        .execute(&self.pool)
        .await?;
        sqlx::query("DELETE FROM oauth_states WHERE expires_at < $1").bind(now - 3_600_000).execute(&self.pool).await?;
        Ok(abandoned.rows_affected())
    }

    /// Every sealed credential on the platform (key rotation reads them all).
    #[tracing::instrument(skip_all)]
    pub async fn sealed_credentials(&self) -> StoreResult<Vec<SealedRow>> {
        let rows =
            sqlx::query("SELECT tenant_id, id, credentials, key_id FROM connections WHERE credentials IS NOT NULL")
                .fetch_all(&self.pool)
                .await?;
        rows.iter()
            .map(|r| {
                Ok(SealedRow {
                    tenant_id: TenantId(get_str(r, "tenant_id")?),
                    connection_id: get_str(r, "id")?,
                    sealed: get_str(r, "credentials")?,
                    key_id: get_str(r, "key_id")?,
                })
            })
            .collect()
    }

    /// Replaces a ciphertext if it is still the one read (compare-and-swap), so a refresh that
    /// wrote new credentials meanwhile is never overwritten with stale ones.
    #[tracing::instrument(skip_all)]
    pub async fn replace_sealed(&self, row: &SealedRow, sealed: &str, key_id: &str) -> StoreResult<bool> {
        let done = sqlx::query(
            "UPDATE connections SET credentials = $4, key_id = $5 WHERE tenant_id = $1 AND id = $2 AND credentials = $3",
        )
        .bind(&row.tenant_id.0)
        .bind(&row.connection_id)
        .bind(&row.sealed)
        .bind(sealed)
        .bind(key_id)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Active connections not checked since `before`, oldest first (periodic health checks).
    #[tracing::instrument(skip_all)]
    pub async fn connections_due_for_check(&self, before: i64, limit: i64) -> StoreResult<Vec<(TenantId, String)>> {
        let rows = sqlx::query(
            "SELECT tenant_id, id FROM connections WHERE status IN ('active', 'error')
               AND (last_checked_at IS NULL OR last_checked_at < $1) ORDER BY last_checked_at LIMIT $2",
        )
        .bind(before)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(|r| Ok((TenantId(get_str(r, "tenant_id")?), get_str(r, "id")?))).collect()
    }
}

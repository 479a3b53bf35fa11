//! The typed session: fixed keys, one place that reads and writes them.

use tower_sessions::Session;

use crate::storage::TenantId;

const USER_ID: &str = "user_id";
const TENANT_ID: &str = "tenant_id";
const CSRF: &str = "csrf";
const FLASH: &str = "flash";
const TOUCHED_AT: &str = "touched_at";
/// How often an active session's expiry is pushed forward.
pub const TOUCH_EVERY_SECS: i64 = 300;

#[derive(Debug, thiserror::Error)]
#[error("session store: {0}")]
pub struct SessionError(#[from] tower_sessions::session::Error);

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct StoredFlash {
    pub kind: String,
    pub message: String,
}

/// A request's session with Hitch's keys.
#[derive(Clone, Debug)]
pub struct UserSession(pub Session);

impl UserSession {
    pub async fn user_id(&self) -> Result<Option<String>, SessionError> {
        Ok(self.0.get::<String>(USER_ID).await?)
    }

    pub async fn tenant_id(&self) -> Result<Option<TenantId>, SessionError> {
        Ok(self.0.get::<TenantId>(TENANT_ID).await?)
    }

    /// Signs in: a new session id (defeats session fixation) and a new CSRF token.
    pub async fn sign_in(&self, user_id: &str, tenant_id: Option<&TenantId>) -> Result<(), SessionError> {
        self.0.cycle_id().await?;
        self.0.insert(USER_ID, user_id).await?;
        match tenant_id {
            Some(t) => self.0.insert(TENANT_ID, t).await?,
            None => {
                self.0.remove::<TenantId>(TENANT_ID).await?;
            }
        }
        self.0.insert(CSRF, crate::auth::tokens::generate("")).await?;
        Ok(())
    }

    pub async fn set_tenant(&self, tenant_id: &TenantId) -> Result<(), SessionError> {
        self.0.insert(TENANT_ID, tenant_id).await?;
        Ok(())
    }

    /// Signs out: deletes the session row and clears the cookie.
    pub async fn sign_out(&self) -> Result<(), SessionError> {
        self.0.flush().await?;
        Ok(())
    }

    /// The CSRF token for forms, made on first use.
    pub async fn csrf_token(&self) -> Result<String, SessionError> {
        if let Some(token) = self.0.get::<String>(CSRF).await? {
            return Ok(token);
        }
        let token = crate::auth::tokens::generate("");
        self.0.insert(CSRF, &token).await?;
        Ok(token)
    }

    /// The stored CSRF token, without making one.
    pub async fn existing_csrf_token(&self) -> Result<Option<String>, SessionError> {
        Ok(self.0.get::<String>(CSRF).await?)
    }

    pub async fn set_flash(&self, kind: &str, message: impl Into<String>) -> Result<(), SessionError> {
        self.0.insert(FLASH, StoredFlash { kind: kind.into(), message: message.into() }).await?;
        Ok(())
    }

    /// The pending flash message, removed so it shows once. Looks before removing: a
    /// removal marks the session changed, and a changed session is written back, which for
    /// every page view would cost a database write (and SQLite's one write lock).
    pub async fn take_flash(&self) -> Result<Option<StoredFlash>, SessionError> {
        if self.0.get::<StoredFlash>(FLASH).await?.is_none() {
            return Ok(None);
        }
        Ok(self.0.remove::<StoredFlash>(FLASH).await?)
    }

    /// Keeps an active session alive. The inactivity expiry only moves when the session is
    /// saved, so an otherwise unchanged session is marked changed at most every
    /// [`TOUCH_EVERY_SECS`] instead of on every request.
    pub async fn touch(&self) -> Result<(), SessionError> {
        let now = chrono::Utc::now().timestamp();
        let last = self.0.get::<i64>(TOUCHED_AT).await?.unwrap_or(0);
        if now - last >= TOUCH_EVERY_SECS {
            self.0.insert(TOUCHED_AT, now).await?;
        }
        Ok(())
    }
}

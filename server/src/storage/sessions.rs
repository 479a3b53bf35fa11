//! tower-sessions storage in our own `sessions` table, so both backends share one store
//! (tower-sessions-sqlx-store fixes the backend at compile time).

use async_trait::async_trait;
use tower_sessions::session::{Id, Record};
use tower_sessions::session_store::{self, SessionStore};

use super::{Store, StoreResult, get_str, now_ms};

/// A [`SessionStore`] over [`Store`].
#[derive(Clone, Debug)]
pub struct SessionBackend {
    store: Store,
}

impl SessionBackend {
    pub fn new(store: Store) -> Self {
        Self { store }
    }
}

fn backend_err(err: sqlx::Error) -> session_store::Error {
    session_store::Error::Backend(err.to_string())
}

fn expiry_ms(record: &Record) -> i64 {
    (record.expiry_date.unix_timestamp_nanos() / 1_000_000) as i64
}

impl Store {
    /// Deletes expired sessions; returns how many.
    #[tracing::instrument(skip_all)]
    pub async fn delete_expired_sessions(&self) -> StoreResult<u64> {
        let done = sqlx::query("DELETE FROM sessions WHERE expires_at < $1").bind(now_ms()).execute(&self.pool).await?;
        Ok(done.rows_affected())
    }
}

#[async_trait]
impl SessionStore for SessionBackend {
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        let data = serde_json::to_string(&record).map_err(|e| session_store::Error::Encode(e.to_string()))?;
        // A 128-bit random id collides practically never, but a collision must not hand one
        // visitor another's session: retry with a fresh id instead of overwriting.
        loop {
            let inserted = sqlx::query(
                "INSERT INTO sessions (id, data, expires_at) VALUES ($1, $2, $3) ON CONFLICT (id) DO NOTHING",
            )
            .bind(record.id.to_string())
            .bind(&data)
            .bind(expiry_ms(record))
            .execute(&self.store.pool)
            .await
            .map_err(backend_err)?;
            if inserted.rows_affected() == 1 {
                return Ok(());
            }
            record.id = Id::default();
        }
    }

    async fn save(&self, record: &Record) -> session_store::Result<()> {
        let data = serde_json::to_string(&record).map_err(|e| session_store::Error::Encode(e.to_string()))?;
        sqlx::query(
            "INSERT INTO sessions (id, data, expires_at) VALUES ($1, $2, $3)
             ON CONFLICT (id) DO UPDATE SET data = excluded.data, expires_at = excluded.expires_at",
        )
        .bind(record.id.to_string())
        .bind(&data)
        .bind(expiry_ms(record))
        .execute(&self.store.pool)
        .await
        .map_err(backend_err)?;
        Ok(())
    }

    async fn load(&self, id: &Id) -> session_store::Result<Option<Record>> {
        let row = sqlx::query("SELECT data FROM sessions WHERE id = $1 AND expires_at > $2")
            .bind(id.to_string())
            .bind(now_ms())
            .fetch_optional(&self.store.pool)
            .await
            .map_err(backend_err)?;
        let Some(row) = row else { return Ok(None) };
        let data = get_str(&row, "data").map_err(backend_err)?;
        let record = serde_json::from_str(&data).map_err(|e| session_store::Error::Decode(e.to_string()))?;
        Ok(Some(record))
    }

    async fn delete(&self, id: &Id) -> session_store::Result<()> {
        sqlx::query("DELETE FROM sessions WHERE id = $1")
            .bind(id.to_string())
            .execute(&self.store.pool)
            .await
            .map_err(backend_err)?;
        Ok(())
    }
}

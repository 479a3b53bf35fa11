//! Webhook endpoint rows kept in memory by id, so a delivery does not read its endpoint
//! before it can check the signature.
//!
//! Only rows that exist are kept: an id not found is read again next time, so an endpoint
//! made by another process works at once. A kept row can be stale in one way that matters,
//! a revocation (or the recipe's deletion) made by another process: the transaction that
//! stores the events checks the row again, so a stale row never lets an event in, and a
//! delivery refused there drops it. Requests that fail the signature check never reach that
//! transaction, so rows are also read again after [`MAX_AGE`]; until then such a request
//! to an endpoint revoked elsewhere gets 401 instead of 404. Revoking in this process drops
//! the row at once. The only other change a row sees is its secret sealed anew when the
//! master key rotates: a row whose secret does not open is dropped and read again.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use crate::storage::{Store, StoreResult, WebhookEndpoint};

/// Endpoints kept by default; beyond that an arbitrary one makes room.
pub const DEFAULT_CAPACITY: usize = 10_000;

/// How long a row is used before it is read again.
pub const MAX_AGE: Duration = Duration::from_secs(30);

type Rows = HashMap<String, (Arc<WebhookEndpoint>, Instant)>;

pub struct EndpointCache {
    rows: RwLock<Rows>,
    capacity: usize,
}

impl EndpointCache {
    pub fn new(capacity: usize) -> Self {
        Self { rows: RwLock::new(HashMap::new()), capacity: capacity.max(1) }
    }

    /// The endpoint behind `/hooks/{id}`, from memory or else from the database.
    pub async fn get(&self, store: &Store, id: &str) -> StoreResult<Arc<WebhookEndpoint>> {
        if let Some((row, read_at)) = self.read().get(id)
            && read_at.elapsed() < MAX_AGE
        {
            return Ok(row.clone());
        }
        let row = Arc::new(store.webhook_endpoint_by_id(id).await?);
        self.keep(row.clone());
        Ok(row)
    }

    fn keep(&self, row: Arc<WebhookEndpoint>) {
        let mut rows = self.rows.write().unwrap_or_else(|p| p.into_inner());
        if rows.len() >= self.capacity
            && !rows.contains_key(&row.id)
            && let Some(victim) = rows.keys().next().cloned()
        {
            rows.remove(&victim);
        }
        rows.insert(row.id.clone(), (row, Instant::now()));
    }

    /// Drops a row known to be stale or unusable; the next delivery reads it again.
    pub fn forget(&self, id: &str) {
        self.rows.write().unwrap_or_else(|p| p.into_inner()).remove(id);
    }

    pub fn len(&self) -> usize {
        self.read().len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, Rows> {
        self.rows.read().unwrap_or_else(|p| p.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::TenantId;

    fn row(id: &str) -> Arc<WebhookEndpoint> {
        Arc::new(WebhookEndpoint {
            tenant_id: TenantId("t".into()),
            id: id.into(),
            recipe_id: "r".into(),
            scheme: "{}".into(),
            sealed_secret: String::new(),
            created_at: 0,
            revoked_at: None,
        })
    }

    #[test]
    fn the_cache_stays_within_its_capacity() {
        let cache = EndpointCache::new(2);
        for id in ["a", "b", "c", "c"] {
            cache.keep(row(id));
        }
        assert_eq!(cache.len(), 2);
        assert!(cache.read().contains_key("c"));
        cache.forget("c");
        assert_eq!(cache.len(), 1);
    }
}

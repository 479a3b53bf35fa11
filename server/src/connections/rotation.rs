//! Re-encrypting every stored credential under the current master key, online: each row is
//! replaced only if it still holds the ciphertext that was read (compare-and-swap), so a
//! token refresh that lands meanwhile is never overwritten with stale credentials.

use crate::secrets::Keyring;
use crate::storage::{Connection, Store, StoreResult};

/// What a rotation pass did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Rotated {
    pub reencrypted: usize,
    pub already_current: usize,
    /// Rows that changed under us in every pass (a server still sealing with an older key).
    pub remaining: usize,
    /// Rows no key in the ring opens (their key is lost): listed, never touched.
    pub unreadable: Vec<String>,
}

pub async fn reencrypt_all(store: &Store, ring: &Keyring) -> StoreResult<Rotated> {
    let current = ring.current_key_id().to_owned();
    let mut report = Rotated::default();
    for pass in 0..3 {
        let rows = store.sealed_credentials().await?;
        let mut pending = 0;
        for row in rows {
            if row.key_id == current && row.sealed.starts_with(&format!("v1:{current}:")) {
                if pass == 0 {
                    report.already_current += 1;
                }
                continue;
            }
            let context = Connection::secret_context(&row.tenant_id, &row.connection_id);
            let plain = match ring.open(&row.sealed, &context) {
                Ok(plain) => plain,
                Err(err) => {
                    if pass == 0 {
                        tracing::error!(connection = %row.connection_id, error = %err, "credential cannot be opened with any known key");
                        report.unreadable.push(row.connection_id.clone());
                    }
                    continue;
                }
            };
            let Ok(sealed) = ring.seal(&plain, &context) else { continue };
            if store.replace_sealed(&row, &sealed, &current).await? {
                report.reencrypted += 1;
            } else {
                pending += 1;
            }
        }
        report.remaining = pending;
        if pending == 0 {
            break;
        }
    }
    Ok(report)
}

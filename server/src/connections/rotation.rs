//! Re-encrypting every stored secret (connection credentials, webhook signing secrets) under
//! the current master key, online: each row is replaced only if it still holds the ciphertext
//! that was read (compare-and-swap), so a token refresh that lands meanwhile is never
//! overwritten with stale credentials.

use crate::secrets::Keyring;
use crate::storage::{Connection, SealedRow, Store, StoreResult, WebhookEndpoint};

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

/// The kinds of sealed secret, each with its own table and associated data.
#[derive(Clone, Copy)]
enum Kind {
    Credentials,
    WebhookSecret,
}

impl Kind {
    async fn rows(self, store: &Store) -> StoreResult<Vec<SealedRow>> {
        match self {
            Kind::Credentials => store.sealed_credentials().await,
            Kind::WebhookSecret => store.sealed_webhook_secrets().await,
        }
    }

    fn context(self, row: &SealedRow) -> String {
        match self {
            Kind::Credentials => Connection::secret_context(&row.tenant_id, &row.connection_id),
            Kind::WebhookSecret => WebhookEndpoint::secret_context(&row.tenant_id, &row.connection_id),
        }
    }

    async fn replace(self, store: &Store, row: &SealedRow, sealed: &str, key_id: &str) -> StoreResult<bool> {
        match self {
            Kind::Credentials => store.replace_sealed(row, sealed, key_id).await,
            Kind::WebhookSecret => store.replace_webhook_secret(row, sealed).await,
        }
    }
}

pub async fn reencrypt_all(store: &Store, ring: &Keyring) -> StoreResult<Rotated> {
    let mut report = Rotated::default();
    for kind in [Kind::Credentials, Kind::WebhookSecret] {
        reencrypt(store, ring, kind, &mut report).await?;
    }
    Ok(report)
}

async fn reencrypt(store: &Store, ring: &Keyring, kind: Kind, report: &mut Rotated) -> StoreResult<()> {
    let current = ring.current_key_id().to_owned();
    // Rows that lost the compare-and-swap are retried; whatever still loses after the last
    // pass is reported, not silently skipped.
    let mut pending = 0;
    for pass in 0..3 {
        pending = 0;
        for row in kind.rows(store).await? {
            if row.key_id == current && row.sealed.starts_with(&format!("v1:{current}:")) {
                if pass == 0 {
                    report.already_current += 1;
                }
                continue;
            }
            let context = kind.context(&row);
            let plain = match ring.open(&row.sealed, &context) {
                Ok(plain) => plain,
                Err(err) => {
                    if pass == 0 {
                        tracing::error!(row = %row.connection_id, error = %err, "secret cannot be opened with any known key");
                        report.unreadable.push(row.connection_id.clone());
                    }
                    continue;
                }
            };
            let Ok(sealed) = ring.seal(&plain, &context) else { continue };
            if kind.replace(store, &row, &sealed, &current).await? {
                report.reencrypted += 1;
            } else {
                pending += 1;
            }
        }
        if pending == 0 {
            break;
        }
    }
    report.remaining += pending;
    Ok(())
}

//! Argon2id password hashes. Hashing is deliberately slow, so it runs on the blocking pool
//! rather than stalling the async workers.

use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};

use crate::domain::Password;

#[derive(Debug, thiserror::Error)]
#[error("password hashing failed: {0}")]
pub struct HashError(String);

/// Argon2id needs about 19 MiB per hash: unbounded, a burst of sign-ins would take hundreds
/// of megabytes. At most one hash per core runs at a time; the rest wait their turn.
static HASHING: std::sync::LazyLock<tokio::sync::Semaphore> = std::sync::LazyLock::new(|| {
    tokio::sync::Semaphore::new(std::thread::available_parallelism().map(std::num::NonZeroUsize::get).unwrap_or(2))
});

/// A PHC-format argon2id hash of `password`, with a random salt.
pub async fn hash(password: &Password) -> Result<String, HashError> {
    let _permit = HASHING.acquire().await.map_err(|e| HashError(e.to_string()))?;
    let raw = password.expose().to_owned();
    tokio::task::spawn_blocking(move || {
        Argon2::default().hash_password(raw.as_bytes()).map(|h| h.to_string()).map_err(|e| HashError(e.to_string()))
    })
    .await
    .map_err(|e| HashError(e.to_string()))?
}

/// Whether `password` matches `phc_hash`. A malformed stored hash never matches.
pub async fn verify(phc_hash: &str, password: &str) -> bool {
    let Ok(_permit) = HASHING.acquire().await else { return false };
    let phc_hash = phc_hash.to_owned();
    let password = password.to_owned();
    tokio::task::spawn_blocking(move || {
        PasswordHash::new(&phc_hash)
            .map(|parsed| Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok())
            .unwrap_or(false)
    })
    .await
    .unwrap_or(false)
}

/// Spends the same time as a real verification, for unknown emails: a sign-in attempt's
/// timing then does not tell whether the account exists.
pub async fn verify_dummy(password: &str) {
    let _ = verify(DUMMY_HASH, password).await;
}

/// A well-formed argon2id hash with default parameters that no password is known to match.
const DUMMY_HASH: &str =
    "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$5VvV4P0N2dSZ4x9o9L3Jrq6iYv3lWbnBtZ8Qm6q3Jt8";

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hash_then_verify() {
        let pw = Password::parse("correct horse battery".into()).unwrap();
        let h = hash(&pw).await.unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify(&h, "correct horse battery").await);
        assert!(!verify(&h, "wrong horse battery").await);
        assert!(!verify("not a hash", "x").await);
    }

    #[test]
    fn dummy_hash_is_well_formed() {
        // If it did not parse, verify_dummy would return at once and leak which emails exist.
        assert!(PasswordHash::new(DUMMY_HASH).is_ok());
    }
}

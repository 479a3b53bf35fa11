//! Encryption of credentials at rest: ChaCha20-Poly1305 under a 256-bit master key.
//!
//! Every ciphertext starts with the id of the key that sealed it (`v1:<key id>:<base64>`), so
//! a new master key can be introduced while old ciphertexts stay readable, and re-encryption
//! can run online.

mod master_key;

pub use master_key::{MasterKeySource, load_or_create_master_key, reload, rotate_key_file};

use base64::Engine;
use base64::engine::general_purpose::STANDARD_NO_PAD as B64;
use chacha20poly1305::aead::{Aead, Generate, KeyInit, Payload};
use chacha20poly1305::{ChaCha20Poly1305, Key, Nonce};
use sha2::{Digest, Sha256};

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CryptoError {
    #[error("the master key must be 32 bytes, base64-encoded")]
    BadKey,
    #[error("ciphertext is malformed")]
    Malformed,
    #[error("ciphertext was sealed with key {0}, which this server does not have")]
    UnknownKey(String),
    #[error("ciphertext failed authentication (wrong key or tampered)")]
    Tampered,
    #[error("encryption failed")]
    Seal,
}

/// One 256-bit key and its id (the first 8 hex digits of its SHA-256).
#[derive(Clone)]
pub struct MasterKey {
    id: String,
    key: [u8; 32],
}

impl std::fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "MasterKey({})", self.id)
    }
}

impl MasterKey {
    pub fn from_base64(encoded: &str) -> Result<Self, CryptoError> {
        let trimmed = encoded.trim().trim_end_matches('=');
        let bytes = B64.decode(trimmed).map_err(|_| CryptoError::BadKey)?;
        let key: [u8; 32] = bytes.try_into().map_err(|_| CryptoError::BadKey)?;
        let id = hex::encode(&Sha256::digest(key)[..4]);
        Ok(Self { id, key })
    }

    pub fn generate() -> Self {
        let key: [u8; 32] = Key::generate().into();
        let id = hex::encode(&Sha256::digest(key)[..4]);
        Self { id, key }
    }

    pub fn to_base64(&self) -> String {
        base64::engine::general_purpose::STANDARD.encode(self.key)
    }

    pub fn id(&self) -> &str {
        &self.id
    }
}

/// The keys a server can open ciphertexts with; the first one seals new ones.
#[derive(Clone, Debug)]
pub struct Keyring {
    keys: Vec<MasterKey>,
}

impl Keyring {
    pub fn new(current: MasterKey, older: Vec<MasterKey>) -> Self {
        let mut keys = vec![current];
        keys.extend(older);
        Self { keys }
    }

    pub fn current_key_id(&self) -> &str {
        self.keys[0].id()
    }

    pub fn keys(&self) -> &[MasterKey] {
        &self.keys
    }

    /// Seals `plaintext`; `context` (e.g. "connection:<id>") is bound as associated data, so
    /// a ciphertext copied onto another record fails to open.
    pub fn seal(&self, plaintext: &[u8], context: &str) -> Result<String, CryptoError> {
        let key = &self.keys[0];
        let cipher = ChaCha20Poly1305::new(&Key::from(key.key));
        let nonce = Nonce::generate();
        let sealed = cipher
            .encrypt(&nonce, Payload { msg: plaintext, aad: context.as_bytes() })
            .map_err(|_| CryptoError::Seal)?;
        let mut out = Vec::with_capacity(nonce.len() + sealed.len());
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&sealed);
        Ok(format!("v1:{}:{}", key.id, B64.encode(out)))
    }

    pub fn open(&self, sealed: &str, context: &str) -> Result<Vec<u8>, CryptoError> {
        let mut parts = sealed.splitn(3, ':');
        let (Some("v1"), Some(key_id), Some(body)) = (parts.next(), parts.next(), parts.next()) else {
            return Err(CryptoError::Malformed);
        };
        let key = self.keys.iter().find(|k| k.id == key_id).ok_or_else(|| CryptoError::UnknownKey(key_id.into()))?;
        let bytes = B64.decode(body).map_err(|_| CryptoError::Malformed)?;
        if bytes.len() < 12 + 16 {
            return Err(CryptoError::Malformed);
        }
        let (nonce, ciphertext) = bytes.split_at(12);
        let nonce = Nonce::try_from(nonce).map_err(|_| CryptoError::Malformed)?;
        let cipher = ChaCha20Poly1305::new(&Key::from(key.key));
        cipher.decrypt(&nonce, Payload { msg: ciphertext, aad: context.as_bytes() }).map_err(|_| CryptoError::Tampered)
    }
}

/// The keyring a running server uses. A ciphertext sealed under a key this process does not
/// know yet (another process rotated the key file) makes it re-read its keys once.
pub struct Secrets {
    ring: std::sync::RwLock<std::sync::Arc<Keyring>>,
    settings: std::sync::Arc<crate::config::Settings>,
}

impl Secrets {
    pub fn new(ring: Keyring, settings: std::sync::Arc<crate::config::Settings>) -> Self {
        Self { ring: std::sync::RwLock::new(std::sync::Arc::new(ring)), settings }
    }

    fn ring(&self) -> std::sync::Arc<Keyring> {
        match self.ring.read() {
            Ok(ring) => ring.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    pub fn current_key_id(&self) -> String {
        self.ring().current_key_id().to_owned()
    }

    pub fn seal(&self, plaintext: &[u8], context: &str) -> Result<String, CryptoError> {
        self.ring().seal(plaintext, context)
    }

    pub fn open(&self, sealed: &str, context: &str) -> Result<Vec<u8>, CryptoError> {
        match self.ring().open(sealed, context) {
            Err(CryptoError::UnknownKey(id)) => {
                let fresh = reload(&self.settings).map_err(|_| CryptoError::UnknownKey(id.clone()))?;
                let opened = fresh.open(sealed, context);
                if let Ok(mut ring) = self.ring.write() {
                    *ring = std::sync::Arc::new(fresh);
                }
                opened
            }
            other => other,
        }
    }
}

impl std::fmt::Debug for Secrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Secrets(current key {})", self.current_key_id())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_context_binding() {
        let ring = Keyring::new(MasterKey::generate(), vec![]);
        let sealed = ring.seal(b"sk_live_123", "connection:a").unwrap();
        assert!(!sealed.contains("sk_live"));
        assert!(sealed.starts_with(&format!("v1:{}:", ring.current_key_id())));
        assert_eq!(ring.open(&sealed, "connection:a").unwrap(), b"sk_live_123");
        assert_eq!(ring.open(&sealed, "connection:b"), Err(CryptoError::Tampered));
    }

    #[test]
    fn old_keys_still_open_after_rotation() {
        let old = MasterKey::generate();
        let sealed = Keyring::new(old.clone(), vec![]).seal(b"x", "c").unwrap();
        let rotated = Keyring::new(MasterKey::generate(), vec![old]);
        assert_eq!(rotated.open(&sealed, "c").unwrap(), b"x");
        let forgotten = Keyring::new(MasterKey::generate(), vec![]);
        assert!(matches!(forgotten.open(&sealed, "c"), Err(CryptoError::UnknownKey(_))));
    }

    #[test]
    fn tampering_and_garbage_are_refused() {
        let ring = Keyring::new(MasterKey::generate(), vec![]);
        let mut sealed = ring.seal(b"secret", "c").unwrap();
        let last = sealed.pop().unwrap();
        sealed.push(if last == 'A' { 'B' } else { 'A' });
        assert!(ring.open(&sealed, "c").is_err());
        assert_eq!(ring.open("nonsense", "c"), Err(CryptoError::Malformed));
        assert_eq!(ring.open(&format!("v1:{}:AAAA", ring.current_key_id()), "c"), Err(CryptoError::Malformed));
    }

    #[test]
    fn key_parsing() {
        let key = MasterKey::generate();
        assert_eq!(MasterKey::from_base64(&key.to_base64()).unwrap().id(), key.id());
        assert_eq!(MasterKey::from_base64("c2hvcnQ=").err(), Some(CryptoError::BadKey));
        assert!(!format!("{key:?}").contains(&key.to_base64()));
    }
}

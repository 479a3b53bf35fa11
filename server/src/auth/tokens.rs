//! Opaque bearer secrets (API tokens, invitation links): 256 random bits, shown once,
//! stored as a SHA-256 hash.

use sha2::{Digest, Sha256};

/// Prefix that makes a leaked Hitch token recognisable to secret scanners.
pub const API_TOKEN_PREFIX: &str = "hitch_";

/// A fresh random secret as URL-safe hex, with an optional prefix.
pub fn generate(prefix: &str) -> String {
    let mut bytes = [0u8; 32];
    // The OS RNG failing is unrecoverable; fall back to UUIDv4 entropy rather than panic.
    if getrandom::fill(&mut bytes).is_err() {
        bytes[..16].copy_from_slice(uuid::Uuid::new_v4().as_bytes());
        bytes[16..].copy_from_slice(uuid::Uuid::new_v4().as_bytes());
    }
    format!("{prefix}{}", hex::encode(bytes))
}

/// The stored form of a secret.
pub fn hash(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// The last four characters, the most ever shown of a secret after creation.
pub fn last_four(secret: &str) -> String {
    let chars: Vec<char> = secret.chars().collect();
    chars[chars.len().saturating_sub(4)..].iter().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_random_and_hashable() {
        let a = generate(API_TOKEN_PREFIX);
        let b = generate(API_TOKEN_PREFIX);
        assert_ne!(a, b);
        assert!(a.starts_with("hitch_") && a.len() == 6 + 64);
        assert_eq!(hash(&a), hash(&a));
        assert_ne!(hash(&a), hash(&b));
        assert_eq!(last_four("abcdef"), "cdef");
        assert_eq!(last_four("ab"), "ab");
    }
}

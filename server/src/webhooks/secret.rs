//! Signing secrets for new webhook endpoints.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use super::Scheme;

/// A fresh endpoint secret: `whsec_` + base64 of 32 random bytes for Stripe (the shape
/// Stripe issues, so sandbox and real secrets look alike), 64 hex characters otherwise.
/// For HubSpot the real key is the app's client secret, which the user pastes in; a
/// generated one only serves the sandbox.
pub fn generate_endpoint_secret(scheme: &Scheme) -> String {
    let bytes = random_bytes();
    match scheme {
        Scheme::Stripe => format!("whsec_{}", STANDARD.encode(bytes)),
        Scheme::HubspotV3 | Scheme::Generic { .. } => hex::encode(bytes),
    }
}

fn random_bytes() -> [u8; 32] {
    let mut bytes = [0u8; 32];
    // Same fallback as `auth::tokens::generate`: the OS RNG failing is unrecoverable,
    // and UUIDv4 entropy beats panicking in a request handler.
    if getrandom::fill(&mut bytes).is_err() {
        bytes[..16].copy_from_slice(uuid::Uuid::new_v4().as_bytes());
        bytes[16..].copy_from_slice(uuid::Uuid::new_v4().as_bytes());
    }
    bytes
}

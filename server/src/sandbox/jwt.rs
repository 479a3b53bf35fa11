//! OpenID Connect `id_token`s for Google and Microsoft: compact JWS, HS256 keyed with the
//! client secret (what OpenID Connect Core 10.1 prescribes for symmetric signing), so a client
//! can check them without fetching keys.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use super::webhooks::sign::mac;

/// Signs `claims` as `header.payload.signature`.
pub fn sign_hs256(claims: &serde_json::Value, secret: &str) -> String {
    let header = serde_json::json!({"alg": "HS256", "typ": "JWT"});
    let signing_input =
        format!("{}.{}", URL_SAFE_NO_PAD.encode(header.to_string()), URL_SAFE_NO_PAD.encode(claims.to_string()));
    format!("{signing_input}.{}", URL_SAFE_NO_PAD.encode(mac(secret.as_bytes(), &[signing_input.as_bytes()])))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use hmac::{Hmac, Mac};
    use sha2::Sha256;

    use super::*;

    /// The claims of a token signed with `secret`, or `None` when the signature does not match.
    fn verify_hs256(token: &str, secret: &str) -> Option<serde_json::Value> {
        let (signing_input, signature) = token.rsplit_once('.')?;
        let signature = URL_SAFE_NO_PAD.decode(signature).ok()?;
        let mut m = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).ok()?;
        m.update(signing_input.as_bytes());
        m.verify_slice(&signature).ok()?;
        let (_, payload) = signing_input.split_once('.')?;
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).ok()?).ok()
    }

    #[test]
    fn token_has_three_parts_and_round_trips() {
        let claims = serde_json::json!({"iss": "https://accounts.google.com", "sub": "1", "exp": 2});
        let token = sign_hs256(&claims, "secret");
        let parts: Vec<&str> = token.split('.').collect();
        assert_eq!(parts.len(), 3);
        let header: serde_json::Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[0]).unwrap()).unwrap();
        assert_eq!(header["alg"], "HS256");
        assert_eq!(header["typ"], "JWT");
        assert_eq!(verify_hs256(&token, "secret"), Some(claims));
        assert_eq!(verify_hs256(&token, "other"), None);
        let tampered = format!("{}.{}.{}", parts[0], URL_SAFE_NO_PAD.encode("{}"), parts[2]);
        assert_eq!(verify_hs256(&tampered, "secret"), None);
    }

    #[test]
    fn signature_matches_the_jwt_io_example() {
        // The well-known HS256 example token (secret "your-256-bit-secret").
        let claims = serde_json::json!({"sub": "1234567890", "name": "John Doe", "iat": 1516239022});
        let token = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c";
        assert_eq!(verify_hs256(token, "your-256-bit-secret"), Some(claims));
    }
}

//! Proof Key for Code Exchange (RFC 7636): the challenge sent to the authorize endpoint and
//! the check of the verifier sent to the token endpoint.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    S256,
    Plain,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Challenge {
    pub value: String,
    pub method: Method,
}

impl Challenge {
    /// The challenge from the authorize request; the method defaults to `plain` (RFC 7636 4.3).
    pub fn parse(value: &str, method: Option<&str>) -> Result<Challenge, &'static str> {
        let method = match method.unwrap_or("plain") {
            "S256" => Method::S256,
            "plain" => Method::Plain,
            _ => return Err("code_challenge_method must be S256 or plain"),
        };
        if !is_pkce_string(value) {
            return Err("code_challenge must be 43 to 128 characters of [A-Za-z0-9-._~]");
        }
        Ok(Challenge { value: value.to_owned(), method })
    }
}

/// The S256 challenge for a verifier: base64url(sha256(verifier)) without padding.
pub fn s256(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

/// Checks a token request's `code_verifier` against the stored challenge.
pub fn verify(challenge: &Challenge, verifier: &str) -> Result<(), &'static str> {
    if !is_pkce_string(verifier) {
        return Err("code_verifier must be 43 to 128 characters of [A-Za-z0-9-._~]");
    }
    let expected = match challenge.method {
        Method::S256 => s256(verifier),
        Method::Plain => verifier.to_owned(),
    };
    if bool::from(expected.as_bytes().ct_eq(challenge.value.as_bytes())) {
        Ok(())
    } else {
        Err("code_verifier does not match the code_challenge")
    }
}

fn is_pkce_string(s: &str) -> bool {
    (43..=128).contains(&s.len())
        && s.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    // The example from RFC 7636 appendix B.
    const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
    const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

    #[test]
    fn s256_matches_the_rfc_example() {
        assert_eq!(s256(VERIFIER), CHALLENGE);
        let c = Challenge::parse(CHALLENGE, Some("S256")).unwrap();
        assert!(verify(&c, VERIFIER).is_ok());
        let wrong = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXX";
        assert_eq!(verify(&c, wrong), Err("code_verifier does not match the code_challenge"));
        assert!(verify(&c, "short").is_err());
    }

    #[test]
    fn plain_is_the_default_and_other_methods_fail() {
        let c = Challenge::parse(VERIFIER, None).unwrap();
        assert_eq!(c.method, Method::Plain);
        assert!(verify(&c, VERIFIER).is_ok());
        assert!(Challenge::parse(CHALLENGE, Some("S512")).is_err());
        assert!(Challenge::parse("has space", Some("S256")).is_err());
    }
}

use super::ValidationError;

/// A new password as typed: at least 10 characters, at most 256 (argon2 hashes the whole
/// thing, so an unbounded length would let one request burn CPU).
pub struct Password(String);

impl Password {
    pub const MIN_CHARS: usize = 10;
    pub const MAX_CHARS: usize = 256;

    pub fn parse(raw: String) -> Result<Self, ValidationError> {
        let n = raw.chars().count();
        if n < Self::MIN_CHARS {
            return Err(ValidationError::new(format!("Use at least {} characters for the password.", Self::MIN_CHARS)));
        }
        if n > Self::MAX_CHARS {
            return Err(ValidationError::new(format!("Use at most {} characters for the password.", Self::MAX_CHARS)));
        }
        if raw.trim().is_empty() {
            return Err(ValidationError::new("The password cannot be only spaces."));
        }
        Ok(Self(raw))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

// Never print a password, not even in debug output.
impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Password(..)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn length_bounds() {
        assert!(Password::parse("short".into()).is_err());
        assert!(Password::parse(" ".repeat(12)).is_err());
        assert!(Password::parse("x".repeat(257)).is_err());
        assert!(Password::parse("correct horse".into()).is_ok());
        assert_eq!(format!("{:?}", Password::parse("correct horse".into()).ok()), "Some(Password(..))");
    }
}

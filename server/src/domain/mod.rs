//! Validating newtypes for what users type in. Each has a private field and a fallible
//! constructor, so a value of the type is valid by construction. No I/O here.

mod email;
mod password;
mod role;
mod tenant;

pub use email::Email;
pub use password::Password;
pub use role::Role;
pub use tenant::{Slug, TenantName, TimeZone};

/// Why a value was refused, in words fit to show next to the form field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ValidationError(pub String);

impl ValidationError {
    pub fn new(message: impl Into<String>) -> Self {
        Self(message.into())
    }
}

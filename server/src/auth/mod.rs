//! Who is asking: password hashing, opaque tokens, the typed session, sign-in throttling.

pub mod password;
pub mod session;
pub mod throttle;
pub mod tokens;

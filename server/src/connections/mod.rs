//! Connecting accounts: credentials sealed at rest, OAuth sign-in, the token lifecycle
//! (refresh early, one refresher per connection across processes), and the "who am I" check.

pub mod check;
pub mod connect;
pub mod credentials;
mod error;
pub mod health;
mod id_token;
pub mod oauth;
mod postgres_check;
pub mod refresh;
pub mod rotation;
pub mod token;

pub use error::{ConnectError, provider_message as provider_words};
pub use postgres_check::{check_postgres, validate_url as validate_postgres_url};

//! What is stored, sealed, for a connection. The plaintext exists only in memory, briefly.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::ConnectError;
use crate::auth::tokens::last_four;
use crate::secrets::Secrets;
use crate::storage::{Connection, SealedCredentials, TenantId};

/// A connection's secrets.
#[derive(Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Credentials {
    /// Typed-in fields: an API key, a client id and secret, a connection URL, a static token.
    Fields {
        values: BTreeMap<String, String>,
        /// A short-lived token obtained with the fields (PayPal's client-credentials token).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        token: Option<OAuthToken>,
    },
    /// An OAuth grant.
    OAuth(OAuthToken),
}

#[derive(Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct OAuthToken {
    pub access_token: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<String>,
    /// Milliseconds since the epoch; None when the token does not expire.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
}

// Never print secrets, not even in debug output.
impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Credentials::Fields { values, .. } => {
                write!(f, "Credentials::Fields({:?})", values.keys().collect::<Vec<_>>())
            }
            Credentials::OAuth(_) => f.write_str("Credentials::OAuth(..)"),
        }
    }
}

impl std::fmt::Debug for OAuthToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "OAuthToken(expires_at: {:?})", self.expires_at)
    }
}

impl Credentials {
    /// The token to send, if these credentials carry one.
    pub fn token(&self) -> Option<&OAuthToken> {
        match self {
            Credentials::OAuth(t) => Some(t),
            Credentials::Fields { token, .. } => token.as_ref(),
        }
    }

    pub fn field(&self, name: &str) -> Option<&str> {
        match self {
            Credentials::Fields { values, .. } => values.get(name).map(String::as_str),
            Credentials::OAuth(_) => None,
        }
    }

    /// "…a1b2" of the main secret, the most ever shown after saving.
    pub fn hint(&self) -> String {
        let secret = match self {
            Credentials::OAuth(t) => Some(t.access_token.as_str()),
            Credentials::Fields { values, .. } => ["api_key", "access_token", "client_secret"]
                .iter()
                .find_map(|k| values.get(*k).map(String::as_str))
                .filter(|s| s.len() >= 12),
        };
        secret.map(|s| format!("…{}", last_four(s))).unwrap_or_default()
    }

    /// Seals for storage under `connection`'s context.
    pub fn seal(
        &self,
        secrets: &Secrets,
        tenant_id: &TenantId,
        connection_id: &str,
    ) -> Result<SealedCredentials, ConnectError> {
        let json = serde_json::to_vec(self).map_err(|e| ConnectError::Secrets(e.to_string()))?;
        let sealed = secrets
            .seal(&json, &Connection::secret_context(tenant_id, connection_id))
            .map_err(|e| ConnectError::Secrets(e.to_string()))?;
        Ok(SealedCredentials {
            sealed,
            key_id: secrets.current_key_id(),
            secret_hint: self.hint(),
            access_expires_at: self.token().and_then(|t| t.expires_at),
        })
    }

    /// Opens a connection's stored credentials.
    pub fn open(secrets: &Secrets, connection: &Connection) -> Result<Credentials, ConnectError> {
        let sealed = connection
            .sealed_credentials
            .as_deref()
            .ok_or_else(|| ConnectError::Secrets("no credentials stored yet".into()))?;
        let plain = secrets
            .open(sealed, &Connection::secret_context(&connection.tenant_id, &connection.id))
            .map_err(|e| ConnectError::Secrets(e.to_string()))?;
        serde_json::from_slice(&plain).map_err(|e| ConnectError::Secrets(format!("stored credentials unreadable: {e}")))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn debug_and_hint_never_show_secrets() {
        let c = Credentials::Fields {
            values: [("api_key".to_owned(), "sk_test_1234567890abcd".to_owned())].into(),
            token: None,
        };
        assert!(!format!("{c:?}").contains("sk_test"));
        assert_eq!(c.hint(), "…abcd");
        let o = Credentials::OAuth(OAuthToken {
            access_token: "at-secret-value".into(),
            refresh_token: Some("rt".into()),
            expires_at: Some(1),
            scope: None,
        });
        assert!(!format!("{o:?}").contains("secret"));
        let short = Credentials::Fields { values: [("api_key".to_owned(), "abc".to_owned())].into(), token: None };
        assert_eq!(short.hint(), "", "a short secret is not hinted at: four characters would be most of it");
    }
}

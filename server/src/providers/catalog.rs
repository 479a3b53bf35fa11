//! The provider catalog's file format: one TOML file per provider in `server/providers/`,
//! compiled into the binary. Each field says what a connector needs to know about the
//! provider's official API; see the files for values.

use std::collections::BTreeMap;

use serde::Deserialize;

/// The catalog files, compiled in.
pub const FILES: [(&str, &str); 14] = [
    ("stripe", include_str!("../../providers/stripe.toml")),
    ("paypal", include_str!("../../providers/paypal.toml")),
    ("square", include_str!("../../providers/square.toml")),
    ("sendgrid", include_str!("../../providers/sendgrid.toml")),
    ("mailchimp", include_str!("../../providers/mailchimp.toml")),
    ("salesforce", include_str!("../../providers/salesforce.toml")),
    ("hubspot", include_str!("../../providers/hubspot.toml")),
    ("google_calendar", include_str!("../../providers/google_calendar.toml")),
    ("outlook", include_str!("../../providers/outlook.toml")),
    ("quickbooks", include_str!("../../providers/quickbooks.toml")),
    ("xero", include_str!("../../providers/xero.toml")),
    ("shipengine", include_str!("../../providers/shipengine.toml")),
    ("http", include_str!("../../providers/http.toml")),
    ("postgres", include_str!("../../providers/postgres.toml")),
];

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    Payments,
    Email,
    Crm,
    Calendar,
    Accounting,
    Shipping,
    Generic,
}

impl Category {
    pub const ALL: [Category; 7] = [
        Category::Payments,
        Category::Email,
        Category::Crm,
        Category::Calendar,
        Category::Accounting,
        Category::Shipping,
        Category::Generic,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Category::Payments => "payments",
            Category::Email => "email",
            Category::Crm => "crm",
            Category::Calendar => "calendar",
            Category::Accounting => "accounting",
            Category::Shipping => "shipping",
            Category::Generic => "generic",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Category::Payments => "Payments",
            Category::Email => "Email and marketing",
            Category::Crm => "CRM",
            Category::Calendar => "Calendar",
            Category::Accounting => "Accounting",
            Category::Shipping => "Shipping",
            Category::Generic => "Generic",
        }
    }
}

/// How a connection proves who it is to the provider.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AuthKind {
    /// Authorization-code flow: the user signs in at the provider and consents.
    Oauth2,
    /// A key pasted by the user, sent in a header.
    ApiKey,
    /// A client id and secret (HTTP Basic), exchanged for short-lived tokens.
    Basic,
    /// A database connection URL.
    ConnectionString,
}

impl AuthKind {
    pub fn as_str(self) -> &'static str {
        match self {
            AuthKind::Oauth2 => "oauth2",
            AuthKind::ApiKey => "api_key",
            AuthKind::Basic => "basic",
            AuthKind::ConnectionString => "connection_string",
        }
    }
}

/// What happens to the refresh token when it is used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RefreshKind {
    /// The refresh token stays valid; keep it unless the provider sends a new one.
    Static,
    /// Every refresh returns a new refresh token and retires the old one: refresh exactly
    /// once at a time, and store the new one before anything else uses the grant.
    Rotating,
    /// Access tokens do not expire; there is nothing to refresh.
    None,
}

/// How the client id and secret reach the token endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ClientAuth {
    /// `client_id` and `client_secret` in the form body.
    Body,
    /// HTTP Basic with the client id and secret.
    Basic,
}

#[derive(Debug, Clone, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct RateLimit {
    pub requests: u32,
    pub per_seconds: u32,
    /// What the provider documents, in words.
    pub note: String,
}

#[derive(Debug, Clone, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct OAuth2Spec {
    pub authorize_url: String,
    pub token_url: String,
    pub scopes: Vec<String>,
    pub scope_separator: String,
    pub pkce: bool,
    pub refresh: RefreshKind,
    pub client_auth: ClientAuth,
    /// "json" when the token endpoint takes a JSON body (Square); form-encoded otherwise.
    #[serde(default)]
    pub token_request: Option<String>,
    /// Extra query parameters for the authorize URL (Google's `access_type=offline`).
    #[serde(default)]
    pub authorize_params: BTreeMap<String, String>,
    /// The account is the OpenID Connect id_token's subject.
    #[serde(default)]
    pub identity_from_id_token: bool,
    /// The account comes back as this query parameter on the callback (QuickBooks `realmId`).
    #[serde(default)]
    pub identity_callback_param: Option<String>,
    /// The provider also issues static tokens (HubSpot private apps), taken like an API key.
    #[serde(default)]
    pub also_accepts_static_token: bool,
    /// Where to learn the account's API endpoint after sign-in (Mailchimp's data centre).
    #[serde(default)]
    pub metadata_url: Option<String>,
    #[serde(default)]
    pub metadata_auth: Option<String>,
}

/// A credential the user types in.
#[derive(Debug, Clone, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct CredentialField {
    pub name: String,
    pub label: String,
    pub placeholder: String,
    /// Secret fields are encrypted and never shown again; others (a base URL) are shown.
    #[serde(default = "yes")]
    pub secret: bool,
    #[serde(default)]
    pub optional: bool,
}

fn yes() -> bool {
    true
}

#[derive(Debug, Clone, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct ApiKeySpec {
    pub fields: Vec<CredentialField>,
    /// Header name; `{field}` placeholders are filled from the credentials.
    pub header: String,
    /// Header value, e.g. "Bearer {api_key}".
    pub format: String,
}

#[derive(Debug, Clone, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct BasicSpec {
    pub fields: Vec<CredentialField>,
    /// Client-credentials token endpoint, relative to the API base URL.
    pub token_path: String,
}

#[derive(Debug, Clone, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct ConnectionStringSpec {
    pub fields: Vec<CredentialField>,
}

/// The cheap authenticated call that proves a connection works ("who am I").
#[derive(Debug, Clone, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct CheckSpec {
    /// "GET", or "SQL" for databases.
    pub method: String,
    /// Relative to the API base URL; `{identity}` and credential fields are filled in.
    pub path: String,
    /// JSON pointer to the account identity in the response.
    #[serde(default)]
    pub identity: Option<String>,
    /// What the identity is called, e.g. "HubSpot portal ID".
    pub identity_label: String,
    /// JSON pointer to a human-friendly account name.
    #[serde(default)]
    pub display: Option<String>,
}

/// One provider as described in its catalog file.
#[derive(Debug, Clone, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct ProviderSpec {
    pub id: String,
    pub name: String,
    pub category: Category,
    pub description: String,
    pub docs_url: String,
    pub auth: AuthKind,
    /// May hold `{instance_url}`, `{dc}` or a credential field such as `{base_url}`: filled
    /// per connection.
    pub api_base_url: String,
    /// Headers every request carries (Square's API version).
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    #[serde(default)]
    pub rate_limit: Option<RateLimit>,
    #[serde(default)]
    pub oauth2: Option<OAuth2Spec>,
    #[serde(default)]
    pub api_key: Option<ApiKeySpec>,
    #[serde(default)]
    pub basic: Option<BasicSpec>,
    #[serde(default)]
    pub connection_string: Option<ConnectionStringSpec>,
    pub check: CheckSpec,
}

impl ProviderSpec {
    /// The fields a person types to connect without OAuth (empty for OAuth-only providers).
    pub fn credential_fields(&self) -> Vec<CredentialField> {
        if let Some(k) = &self.api_key {
            return k.fields.clone();
        }
        if let Some(b) = &self.basic {
            return b.fields.clone();
        }
        if let Some(c) = &self.connection_string {
            return c.fields.clone();
        }
        if self.oauth2.as_ref().is_some_and(|o| o.also_accepts_static_token) {
            return vec![CredentialField {
                name: "access_token".into(),
                label: "Access token".into(),
                placeholder: "a private-app or personal access token".into(),
                secret: true,
                optional: false,
            }];
        }
        Vec::new()
    }

    /// Checks the parts of a spec that must agree with each other.
    pub fn validate(&self) -> Result<(), String> {
        let has = |present: bool, section: &str| {
            if present { Ok(()) } else { Err(format!("{}: auth {:?} needs a [{section}] section", self.id, self.auth)) }
        };
        match self.auth {
            AuthKind::Oauth2 => has(self.oauth2.is_some(), "oauth2")?,
            AuthKind::ApiKey => has(self.api_key.is_some(), "api_key")?,
            AuthKind::Basic => has(self.basic.is_some(), "basic")?,
            AuthKind::ConnectionString => has(self.connection_string.is_some(), "connection_string")?,
        }
        if !self.id.bytes().all(|b| b.is_ascii_lowercase() || b == b'_') {
            return Err(format!("{}: ids are lower-case letters and underscores", self.id));
        }
        Ok(())
    }
}

/// Parses every compiled-in file.
pub fn parse_all() -> Result<Vec<ProviderSpec>, String> {
    FILES
        .iter()
        .map(|(file, text)| {
            let spec: ProviderSpec = toml::from_str(text).map_err(|e| format!("providers/{file}.toml: {e}"))?;
            if spec.id != *file {
                return Err(format!("providers/{file}.toml declares id {:?}", spec.id));
            }
            spec.validate()?;
            Ok(spec)
        })
        .collect()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn every_file_parses_and_validates() {
        let all = parse_all().unwrap();
        let ids: Vec<&str> = all.iter().map(|p| p.id.as_str()).collect();
        for id in [
            "stripe",
            "paypal",
            "square",
            "sendgrid",
            "mailchimp",
            "salesforce",
            "hubspot",
            "google_calendar",
            "outlook",
            "quickbooks",
            "xero",
            "shipengine",
            "http",
            "postgres",
        ] {
            assert!(ids.contains(&id), "{id} missing");
        }
    }

    #[test]
    fn identities_the_issue_names_are_captured() {
        let all = parse_all().unwrap();
        let get = |id: &str| all.iter().find(|p| p.id == id).unwrap();
        assert_eq!(get("hubspot").check.identity.as_deref(), Some("/portalId"));
        assert_eq!(get("quickbooks").oauth2.as_ref().unwrap().identity_callback_param.as_deref(), Some("realmId"));
        assert_eq!(get("xero").check.identity.as_deref(), Some("/0/tenantId"));
        assert!(get("salesforce").api_base_url.contains("{instance_url}"));
        assert!(get("mailchimp").oauth2.as_ref().unwrap().metadata_url.is_some());
        assert!(get("google_calendar").oauth2.as_ref().unwrap().identity_from_id_token);
        assert_eq!(get("xero").oauth2.as_ref().unwrap().refresh, RefreshKind::Rotating);
        assert_eq!(get("hubspot").credential_fields()[0].name, "access_token");
        assert!(get("google_calendar").credential_fields().is_empty());
    }
}

//! The systems Hitch connects to: the compiled-in catalog with its URLs resolved against
//! configuration (`HITCH_PROVIDER_<ID>_*`, `HITCH_PROVIDERS_SANDBOX`).

pub mod catalog;

use std::sync::Arc;

use anyhow::Context;

pub use catalog::{AuthKind, Category, ClientAuth, CredentialField, ProviderSpec, RefreshKind};

use crate::config::SecretString;
use crate::storage::RequestRate;

/// Client credentials the sandbox accepts for every provider.
pub const SANDBOX_CLIENT_ID: &str = "hitch-sandbox-client";
pub const SANDBOX_CLIENT_SECRET: &str = "hitch-sandbox-secret";

/// A provider with the URLs and OAuth app this server uses for it.
#[derive(Debug, Clone)]
pub struct Provider {
    pub spec: ProviderSpec,
    /// API base URL; may still hold a per-connection placeholder such as `{instance_url}`.
    pub base_url: String,
    pub auth_url: Option<String>,
    pub token_url: Option<String>,
    pub metadata_url: Option<String>,
    pub client_id: Option<String>,
    pub client_secret: Option<SecretString>,
    /// The request budget every run of a connection shares: the documented limit, or
    /// `HITCH_PROVIDER_<ID>_RATE_LIMIT` (`requests/seconds`, or `off`).
    pub rate_limit: Option<RequestRate>,
}

impl Provider {
    pub fn id(&self) -> &str {
        &self.spec.id
    }

    /// Whether an OAuth app is configured, so the sign-in flow can start.
    pub fn oauth_ready(&self) -> bool {
        self.spec.oauth2.is_some() && self.client_id.is_some() && self.auth_url.is_some() && self.token_url.is_some()
    }
}

/// Every provider, in catalog order.
#[derive(Debug, Clone)]
pub struct Catalog {
    providers: Arc<Vec<Provider>>,
}

impl Catalog {
    /// Resolves the catalog against `env` (the process's `HITCH_*` variables).
    pub fn load(env: &[(String, String)]) -> anyhow::Result<Catalog> {
        let get =
            |key: &str| env.iter().find(|(k, _)| k == key).map(|(_, v)| v.trim().to_owned()).filter(|v| !v.is_empty());
        let sandbox = get("HITCH_PROVIDERS_SANDBOX").map(|s| s.trim_end_matches('/').to_owned());
        let specs = catalog::parse_all().map_err(anyhow::Error::msg)?;
        let providers = specs
            .into_iter()
            .map(|spec| {
                let key = |suffix: &str| format!("HITCH_PROVIDER_{}_{suffix}", spec.id.to_uppercase());
                let rate_limit = match get(&key("RATE_LIMIT")) {
                    Some(raw) => parse_rate(&raw).with_context(|| {
                        format!("{} must be requests/seconds (like 110/10) or off, got {raw:?}", key("RATE_LIMIT"))
                    })?,
                    None => spec
                        .rate_limit
                        .as_ref()
                        .map(|r| RequestRate { requests: r.requests, per_seconds: r.per_seconds }),
                };
                // User-supplied endpoints (generic HTTP, PostgreSQL) are never redirected.
                let sandboxed = sandbox.as_ref().filter(|_| !matches!(spec.id.as_str(), "http" | "postgres"));
                let at = |path: &str| sandboxed.map(|s| format!("{s}/{}{path}", spec.id));
                let oauth = spec.oauth2.as_ref();
                Ok(Provider {
                    rate_limit,
                    base_url: get(&key("BASE_URL")).or_else(|| at("")).unwrap_or_else(|| spec.api_base_url.clone()),
                    auth_url: get(&key("AUTH_URL"))
                        .or_else(|| oauth.and(at("/oauth/authorize")))
                        .or_else(|| oauth.map(|o| o.authorize_url.clone())),
                    token_url: get(&key("TOKEN_URL"))
                        .or_else(|| oauth.and(at("/oauth/token")))
                        .or_else(|| oauth.map(|o| o.token_url.clone())),
                    metadata_url: oauth
                        .and_then(|o| o.metadata_url.clone())
                        .map(|real| at("/oauth/metadata").unwrap_or(real)),
                    client_id: get(&key("CLIENT_ID")).or_else(|| sandboxed.map(|_| SANDBOX_CLIENT_ID.to_owned())),
                    client_secret: get(&key("CLIENT_SECRET"))
                        .or_else(|| sandboxed.map(|_| SANDBOX_CLIENT_SECRET.to_owned()))
                        .map(SecretString::new),
                    spec,
                })
            })
            .collect::<anyhow::Result<_>>()?;
        Ok(Catalog { providers: Arc::new(providers) })
    }

    pub fn get(&self, id: &str) -> Option<&Provider> {
        self.providers.iter().find(|p| p.spec.id == id)
    }

    pub fn all(&self) -> &[Provider] {
        &self.providers
    }
}

/// `110/10` (requests per seconds) or `off`.
fn parse_rate(raw: &str) -> Option<Option<RequestRate>> {
    if raw.eq_ignore_ascii_case("off") {
        return Some(None);
    }
    let (requests, per_seconds) = raw.split_once('/')?;
    let rate = RequestRate { requests: requests.trim().parse().ok()?, per_seconds: per_seconds.trim().parse().ok()? };
    (rate.requests > 0 && (1..=86_400 * 31).contains(&rate.per_seconds)).then_some(Some(rate))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn defaults_are_the_real_endpoints() {
        let c = Catalog::load(&[]).unwrap();
        let hubspot = c.get("hubspot").unwrap();
        assert_eq!(hubspot.base_url, "https://api.hubapi.com");
        assert_eq!(hubspot.token_url.as_deref(), Some("https://api.hubapi.com/oauth/v1/token"));
        assert!(!hubspot.oauth_ready(), "no OAuth app configured by default");
        assert!(c.get("stripe").unwrap().auth_url.is_none());
    }

    #[test]
    fn overrides_and_sandbox() {
        let c = Catalog::load(&env(&[
            ("HITCH_PROVIDERS_SANDBOX", "http://127.0.0.1:4010/"),
            ("HITCH_PROVIDER_GOOGLE_CALENDAR_TOKEN_URL", "http://127.0.0.1:8080/token"),
            ("HITCH_PROVIDER_GOOGLE_CALENDAR_CLIENT_ID", "abc"),
        ]))
        .unwrap();
        let hubspot = c.get("hubspot").unwrap();
        assert_eq!(hubspot.base_url, "http://127.0.0.1:4010/hubspot");
        assert_eq!(hubspot.auth_url.as_deref(), Some("http://127.0.0.1:4010/hubspot/oauth/authorize"));
        assert!(hubspot.oauth_ready());
        let google = c.get("google_calendar").unwrap();
        assert_eq!(google.token_url.as_deref(), Some("http://127.0.0.1:8080/token"));
        assert_eq!(google.client_id.as_deref(), Some("abc"));
        assert_eq!(
            c.get("mailchimp").unwrap().metadata_url.as_deref(),
            Some("http://127.0.0.1:4010/mailchimp/oauth/metadata")
        );
        assert_eq!(c.get("http").unwrap().base_url, "{base_url}", "generic HTTP is never sandboxed");
        assert!(c.get("stripe").unwrap().auth_url.is_none());
    }

    #[test]
    fn rate_limits_come_from_the_catalog_unless_overridden() {
        let c = Catalog::load(&[]).unwrap();
        assert_eq!(c.get("hubspot").unwrap().rate_limit, Some(RequestRate { requests: 110, per_seconds: 10 }));
        assert_eq!(c.get("postgres").unwrap().rate_limit, None);
        let c = Catalog::load(&env(&[
            ("HITCH_PROVIDER_HUBSPOT_RATE_LIMIT", "off"),
            ("HITCH_PROVIDER_STRIPE_RATE_LIMIT", "25 / 1"),
        ]))
        .unwrap();
        assert_eq!(c.get("hubspot").unwrap().rate_limit, None);
        assert_eq!(c.get("stripe").unwrap().rate_limit, Some(RequestRate { requests: 25, per_seconds: 1 }));
        for bad in ["0/10", "10", "ten/1", "5/0"] {
            let err = Catalog::load(&env(&[("HITCH_PROVIDER_STRIPE_RATE_LIMIT", bad)])).unwrap_err();
            assert!(format!("{err:#}").contains("HITCH_PROVIDER_STRIPE_RATE_LIMIT must be"), "{bad}");
        }
    }
}

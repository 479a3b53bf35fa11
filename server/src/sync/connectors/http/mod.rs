//! Any HTTP/JSON API, described per object by the recipe ([`HttpObjectConfig`]): where the
//! records are, which field is the id and which the cursor, how pages follow each other and
//! how to write. The base URL and the authentication header come from the connection.

mod config;
mod errors;
mod read;
mod write;

use std::collections::BTreeMap;
use std::time::Duration;

use serde_json::Value;

pub use self::config::{HttpObjectConfig, HttpWriteConfig, Pagination, lookup};
pub use self::errors::DEFAULT_RETRY_AFTER;
use crate::connections::check::{authenticate, base_url};
use crate::connections::credentials::Credentials;
use crate::providers::Provider;
use crate::sync::connector::{
    Connector, FieldKind, FieldSpec, ObjectSpec, Page, ReadMode, SyncError, WriteOp, WriteOutcome,
};

/// Bound on any one request, so a stalled API fails the page (retryable) instead of the run.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(60);

/// Most operations per `write_batch` (each is a request, unless `batch` creates).
pub const MAX_BATCH: usize = 100;

/// Records looked at to guess an object's fields.
const SAMPLE: usize = 50;

/// A generic HTTP/JSON API reached through one connection.
pub struct HttpConnector {
    http: reqwest::Client,
    provider: Provider,
    creds: Credentials,
    base: url::Url,
    objects: Vec<HttpObjectConfig>,
}

impl std::fmt::Debug for HttpConnector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpConnector")
            .field("base", &self.base.as_str())
            .field("objects", &self.objects.len())
            .finish()
    }
}

impl HttpConnector {
    /// A connector for the objects `objects`, with the connection's base URL and credentials
    /// (the generic `http` provider: fields `base_url`, `header`, `api_key`). `http` is the
    /// application's shared client.
    pub fn new(
        http: reqwest::Client,
        provider: Provider,
        creds: Credentials,
        objects: Vec<HttpObjectConfig>,
    ) -> Result<Self, SyncError> {
        let raw = base_url(&provider, &creds, "");
        let base = url::Url::parse(&raw)
            .ok()
            .filter(|u| matches!(u.scheme(), "http" | "https") && u.host_str().is_some())
            .ok_or_else(|| SyncError::permanent(format!("the connection's base URL {raw:?} is not an http(s) URL")))?;
        let mut names = std::collections::HashSet::new();
        for o in &objects {
            o.validate().map_err(SyncError::permanent)?;
            if !names.insert(o.name.as_str()) {
                return Err(SyncError::permanent(format!("two HTTP objects are named {}", o.name)));
            }
        }
        Ok(HttpConnector { http, provider, creds, base, objects })
    }

    fn config(&self, object: &str) -> Result<&HttpObjectConfig, SyncError> {
        self.objects.iter().find(|o| o.name == object).ok_or_else(|| {
            SyncError::permanent(format!("there is no HTTP object {object:?} in this recipe's configuration"))
        })
    }

    /// The base URL joined with an object path (the base's own path kept: `/api` + `/v1/x`).
    fn url(&self, path: &str) -> Result<url::Url, SyncError> {
        let joined = format!("{}{path}", self.base.as_str().trim_end_matches('/'));
        url::Url::parse(&joined).map_err(|_| SyncError::permanent(format!("{joined:?} is not a valid URL")))
    }

    /// A link the API handed out, accepted only on the base URL's origin.
    fn same_origin(&self, link: &str) -> Result<url::Url, SyncError> {
        let url = self
            .base
            .join(link)
            .map_err(|_| SyncError::permanent(format!("the API's next link {link:?} is not a URL")))?;
        if url.origin() != self.base.origin() {
            return Err(SyncError::permanent(format!(
                "the API's next page is on another host ({}); Hitch does not send the connection's credentials there",
                url.host_str().unwrap_or_default()
            )));
        }
        Ok(url)
    }

    fn request(&self, method: reqwest::Method, url: url::Url) -> reqwest::RequestBuilder {
        authenticate(self.http.request(method, url).timeout(REQUEST_TIMEOUT), &self.provider, &self.creds)
    }

    /// Guesses the fields from the first page: each top-level key with the kind its values
    /// have (a string that reads as a time is a date-time).
    async fn sample_fields(&self, cfg: &HttpObjectConfig) -> Result<Vec<FieldSpec>, SyncError> {
        let page = self.fetch_page(cfg, &ReadMode::Full, None).await?;
        let mut kinds: BTreeMap<String, Option<FieldKind>> = BTreeMap::new();
        for r in page.records.iter().take(SAMPLE) {
            for (k, v) in &r.fields {
                let seen = kinds.entry(k.clone()).or_insert(None);
                if seen.is_none() {
                    *seen = kind_of(v);
                }
            }
        }
        Ok(kinds
            .into_iter()
            .map(|(name, kind)| FieldSpec {
                label: name.clone(),
                read_only: Some(&name) == cfg.cursor_field.as_ref(),
                name,
                kind: kind.unwrap_or(FieldKind::String),
                required: false,
            })
            .collect())
    }
}

fn kind_of(v: &Value) -> Option<FieldKind> {
    Some(match v {
        Value::Null => return None,
        Value::Bool(_) => FieldKind::Boolean,
        Value::Number(_) => FieldKind::Number,
        Value::String(s) if chrono::DateTime::parse_from_rfc3339(s).is_ok() => FieldKind::DateTime,
        Value::String(s) if s.len() == 10 && chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").is_ok() => {
            FieldKind::Date
        }
        Value::String(_) => FieldKind::String,
        Value::Array(_) | Value::Object(_) => FieldKind::Json,
    })
}

#[async_trait::async_trait]
impl Connector for HttpConnector {
    /// One object per configured entry. Fields come from a sample of the first page; when
    /// that cannot be read (other than for credentials) the object is listed without fields,
    /// which the mapping editor lets a person type in.
    async fn objects(&self) -> Result<Vec<ObjectSpec>, SyncError> {
        let mut specs = Vec::with_capacity(self.objects.len());
        for cfg in &self.objects {
            let fields = match self.sample_fields(cfg).await {
                Ok(f) => f,
                Err(e @ SyncError::Auth { .. }) => return Err(e),
                Err(e) => {
                    tracing::info!(object = %cfg.name, error = %e, "could not sample an HTTP object's fields");
                    Vec::new()
                }
            };
            let deletes = match &cfg.deleted_field {
                Some(f) => format!("deleted flag {f}"),
                None => "not visible: a full refresh finds them".to_owned(),
            };
            specs.push(ObjectSpec {
                name: cfg.name.clone(),
                label: cfg.label.clone().unwrap_or_else(|| cfg.name.clone()),
                fields,
                incremental: cfg.incremental(),
                writable: cfg.write.is_some(),
                deletes,
                upsert_keys: if cfg.write.is_some() { vec![cfg.id_field.clone()] } else { Vec::new() },
            });
        }
        Ok(specs)
    }

    async fn read_page(&self, object: &str, mode: &ReadMode, page: Option<&str>) -> Result<Page, SyncError> {
        let cfg = self.config(object)?;
        self.fetch_page(cfg, mode, page).await
    }

    async fn write_batch(&self, object: &str, ops: &[WriteOp]) -> Result<Vec<WriteOutcome>, SyncError> {
        let cfg = self.config(object)?;
        if ops.len() > MAX_BATCH {
            return Err(SyncError::permanent(format!("a batch holds at most {MAX_BATCH} operations")));
        }
        self.write(cfg, ops).await
    }

    fn max_batch(&self) -> usize {
        MAX_BATCH
    }
}

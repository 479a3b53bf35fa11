//! How a generic HTTP/JSON API is read and written: one entry per object, carried by the
//! recipe, since nothing about an arbitrary API can be discovered.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// One object (resource) of an HTTP/JSON API.
///
/// ```json
/// {"name": "customers", "path": "/v1/customers", "records_path": "data", "id_field": "id",
///  "cursor_field": "updated_at", "cursor_param": "updated_since",
///  "pagination": {"kind": "cursor", "next_path": "paging.next.after", "param": "after"},
///  "write": {"method": "POST", "update_method": "PUT", "update_path": "/v1/customers/{id}"}}
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HttpObjectConfig {
    /// The object's name in recipes.
    pub name: String,
    /// Shown in the UI; the name when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// Path under the connection's base URL, e.g. `/v1/customers`.
    pub path: String,
    /// Fixed query parameters sent with every read (`{"status": "all"}`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub query: BTreeMap<String, String>,
    /// Where the array of records is in a page: a dotted path (`data`, `result.items`) or a
    /// JSON pointer (`/results`); empty when the body is the array itself.
    #[serde(default)]
    pub records_path: String,
    /// The field holding a record's id (dotted path or JSON pointer).
    #[serde(default = "default_id_field")]
    pub id_field: String,
    /// The field that orders records by change (`updated_at`); with `cursor_param`, makes the
    /// object incremental.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cursor_field: Option<String>,
    /// The query parameter that asks for records changed since a cursor (`updated_since`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cursor_param: Option<String>,
    /// A field that is true (or a non-null timestamp) when the record is deleted or archived.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deleted_field: Option<String>,
    #[serde(default)]
    pub pagination: Pagination,
    /// How to write; the object is read-only without it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub write: Option<HttpWriteConfig>,
}

fn default_id_field() -> String {
    "id".to_owned()
}

/// How an API splits a listing into pages.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Pagination {
    /// The page names the next one: the value at `next_path` is sent as `param`.
    Cursor { next_path: String, param: String },
    /// `param` = records to skip, `limit_param` = page size.
    Offset {
        #[serde(default = "default_offset_param")]
        param: String,
        #[serde(default = "default_limit_param")]
        limit_param: String,
        #[serde(default = "default_size")]
        limit: u64,
    },
    /// `param` = page number from `start`, `size_param` = page size.
    Page {
        #[serde(default = "default_page_param")]
        param: String,
        #[serde(default = "default_start")]
        start: u64,
        #[serde(default = "default_size_param")]
        size_param: String,
        #[serde(default = "default_size")]
        size: u64,
    },
    /// RFC 8288 `Link: <…>; rel="next"` headers.
    Link,
    /// One request returns everything.
    #[default]
    None,
}

fn default_offset_param() -> String {
    "offset".to_owned()
}
fn default_limit_param() -> String {
    "limit".to_owned()
}
fn default_page_param() -> String {
    "page".to_owned()
}
fn default_size_param() -> String {
    "per_page".to_owned()
}
fn default_size() -> u64 {
    100
}
fn default_start() -> u64 {
    1
}

/// How records are written. Paths may hold `{id}`, replaced by the record's id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HttpWriteConfig {
    /// Method to create with.
    #[serde(default = "default_create_method")]
    pub method: String,
    /// Path to create at; the object's `path` when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// Method to update with (and to upsert by id: a PUT to a record's URL creates or
    /// replaces it).
    #[serde(default = "default_update_method")]
    pub update_method: String,
    /// A record's URL; `{path}/{id}` when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub update_path: Option<String>,
    /// Where deletes go; `update_path` when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delete_path: Option<String>,
    /// Creates are sent together as one JSON array, and the answer is an array of the created
    /// records in the same order.
    #[serde(default)]
    pub batch: bool,
}

fn default_create_method() -> String {
    "POST".to_owned()
}
fn default_update_method() -> String {
    "PUT".to_owned()
}

impl HttpObjectConfig {
    /// Whether changes since a cursor can be asked for.
    pub fn incremental(&self) -> bool {
        self.cursor_field.is_some() && self.cursor_param.is_some()
    }

    /// Checks what serde cannot: paths, names, sizes.
    pub fn validate(&self) -> Result<(), String> {
        let name = &self.name;
        if name.trim().is_empty() {
            return Err("an HTTP object needs a name".into());
        }
        if !self.path.starts_with('/') {
            return Err(format!("object {name}: path must start with / (it is appended to the base URL)"));
        }
        match &self.pagination {
            Pagination::Offset { limit: 0, .. } | Pagination::Page { size: 0, .. } => {
                return Err(format!("object {name}: the page size must be at least 1"));
            }
            Pagination::Cursor { next_path, param } if next_path.is_empty() || param.is_empty() => {
                return Err(format!("object {name}: cursor pagination needs next_path and param"));
            }
            _ => {}
        }
        if let Some(w) = &self.write {
            for m in [&w.method, &w.update_method] {
                if reqwest::Method::from_bytes(m.as_bytes()).is_err() {
                    return Err(format!("object {name}: {m:?} is not an HTTP method"));
                }
            }
            for p in [&w.path, &w.update_path, &w.delete_path].into_iter().flatten() {
                if !p.starts_with('/') {
                    return Err(format!("object {name}: write paths must start with /"));
                }
            }
        }
        Ok(())
    }

    pub(super) fn create_path(&self) -> &str {
        self.write.as_ref().and_then(|w| w.path.as_deref()).unwrap_or(&self.path)
    }

    /// The record's URL path, with the id percent-encoded.
    pub(super) fn record_path(&self, id: &str, delete: bool) -> String {
        let write = self.write.as_ref();
        let template = write
            .and_then(|w| {
                if delete { w.delete_path.clone().or_else(|| w.update_path.clone()) } else { w.update_path.clone() }
            })
            .unwrap_or_else(|| format!("{}/{{id}}", self.path.trim_end_matches('/')));
        let encoded: String = url::form_urlencoded::byte_serialize(id.as_bytes()).collect();
        // form encoding writes spaces as `+`, which in a path is a literal plus.
        template.replace("{id}", &encoded.replace('+', "%20"))
    }
}

/// The value at a dotted path (`paging.next.after`, `items.0.id`) or JSON pointer
/// (`/paging/next/after`); the value itself for an empty path.
pub fn lookup<'a>(value: &'a Value, path: &str) -> Option<&'a Value> {
    if path.is_empty() {
        return Some(value);
    }
    if path.starts_with('/') {
        return value.pointer(path);
    }
    path.split('.').try_fold(value, |v, seg| match v {
        Value::Object(m) => m.get(seg),
        Value::Array(a) => seg.parse::<usize>().ok().and_then(|i| a.get(i)),
        _ => None,
    })
}

/// Like [`lookup`], for taking the value out.
pub(super) fn lookup_mut<'a>(value: &'a mut Value, path: &str) -> Option<&'a mut Value> {
    if path.is_empty() {
        return Some(value);
    }
    if path.starts_with('/') {
        return value.pointer_mut(path);
    }
    path.split('.').try_fold(value, |v, seg| match v {
        Value::Object(m) => m.get_mut(seg),
        Value::Array(a) => seg.parse::<usize>().ok().and_then(|i| a.get_mut(i)),
        _ => None,
    })
}

/// A scalar as text: ids and cursors may be strings or numbers.
pub(super) fn scalar_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn configs_parse_with_defaults() {
        let c: HttpObjectConfig = serde_json::from_value(serde_json::json!({
            "name": "customers", "path": "/v1/customers",
            "pagination": {"kind": "page"}, "write": {}
        }))
        .unwrap();
        assert_eq!(c.id_field, "id");
        assert_eq!(
            c.pagination,
            Pagination::Page { param: "page".into(), start: 1, size_param: "per_page".into(), size: 100 }
        );
        assert_eq!(c.record_path("a b/c", false), "/v1/customers/a%20b%2Fc");
        assert!(c.validate().is_ok());
        assert!(
            serde_json::from_value::<HttpObjectConfig>(serde_json::json!({"name": "x", "path": "/x", "pagnation": {}}))
                .is_err()
        );
    }

    #[test]
    fn paths() {
        let v = serde_json::json!({"paging": {"next": {"after": "abc"}}, "items": [{"id": 7}]});
        assert_eq!(lookup(&v, "paging.next.after"), Some(&serde_json::json!("abc")));
        assert_eq!(lookup(&v, "/paging/next/after"), Some(&serde_json::json!("abc")));
        assert_eq!(lookup(&v, "items.0.id"), Some(&serde_json::json!(7)));
        assert_eq!(lookup(&v, "missing"), None);
        assert_eq!(lookup(&v, ""), Some(&v));
    }
}

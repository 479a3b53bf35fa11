//! Reading an object page by page, in whichever way the API paginates.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::HttpConnector;
use super::config::{HttpObjectConfig, Pagination, lookup, lookup_mut, scalar_text};
use super::errors::{status_error, transport};
use crate::sync::connector::{Page, ReadMode, Record, SyncError};

/// Where the next page starts, in the terms of the object's pagination.
#[derive(Debug, Default, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Token {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    after: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    offset: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    page: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    url: Option<String>,
    /// The longest page so far: a shorter one is the last. Not the size asked for, since
    /// APIs cap page sizes (asked 100, given 50) and stopping at the first page shorter than
    /// asked would silently skip the rest.
    #[serde(default)]
    longest: usize,
}

/// Text that sorts in order: RFC 3339 times in UTC with microseconds, non-negative integers
/// (epoch seconds, sequence numbers) zero-padded to 20 digits; other text as is.
pub(super) fn cursor_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) if s.chars().all(|c| c.is_ascii_digit()) && !s.is_empty() => Some(format!("{s:0>20}")),
        Value::String(s) => match chrono::DateTime::parse_from_rfc3339(s) {
            Ok(t) => Some(t.with_timezone(&chrono::Utc).format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()),
            Err(_) if s.is_empty() => None,
            Err(_) => Some(s.clone()),
        },
        Value::Number(n) => match (n.as_u64(), n.as_f64()) {
            (Some(u), _) => Some(format!("{u:020}")),
            (None, Some(f)) if f >= 0.0 => Some(format!("{f:027.6}")),
            _ => Some(n.to_string()),
        },
        _ => None,
    }
}

/// A cursor as the API is sent it: padded numbers without their padding.
fn cursor_param_value(cursor: &str) -> String {
    if cursor.chars().all(|c| c.is_ascii_digit() || c == '.') && cursor.starts_with('0') {
        let t = cursor.trim_start_matches('0');
        if t.is_empty() || t.starts_with('.') { format!("0{t}") } else { t.to_owned() }
    } else {
        cursor.to_owned()
    }
}

/// The `rel="next"` target of an RFC 8288 Link header.
pub(super) fn next_link(header: &str) -> Option<String> {
    let mut rest = header;
    while let Some(start) = rest.find('<') {
        let after = rest.get(start + 1..)?;
        let end = after.find('>')?;
        let target = after.get(..end)?;
        let tail = after.get(end + 1..)?;
        let params_end = tail.find('<').unwrap_or(tail.len());
        let params = tail.get(..params_end)?;
        let is_next = params.split(';').any(|p| {
            let p = p.trim().trim_end_matches(',').trim();
            let Some(value) = p.strip_prefix("rel=").or_else(|| p.strip_prefix("rel =")) else { return false };
            value.trim().trim_matches('"').split_ascii_whitespace().any(|r| r.eq_ignore_ascii_case("next"))
        });
        if is_next {
            return Some(target.to_owned());
        }
        rest = tail;
    }
    None
}

impl HttpConnector {
    pub(super) async fn fetch_page(
        &self,
        cfg: &HttpObjectConfig,
        mode: &ReadMode,
        page: Option<&str>,
    ) -> Result<Page, SyncError> {
        let token: Token = match page {
            Some(text) => serde_json::from_str(text).map_err(|_| {
                SyncError::permanent(format!("the page token for {} is not one Hitch issued", cfg.name))
            })?,
            None => Token::default(),
        };
        let since = match mode {
            ReadMode::Full => None,
            ReadMode::Since(c) if cfg.incremental() => Some(c.as_str()),
            ReadMode::Since(_) => {
                return Err(SyncError::permanent(format!(
                    "object {} has no cursor_field and cursor_param, so it can only be read in full",
                    cfg.name
                )));
            }
        };

        let url = match &token.url {
            // The next link, only ever to the API's own origin: the credentials go with it.
            Some(link) => self.same_origin(link)?,
            None => {
                let mut url = self.url(&cfg.path)?;
                {
                    let mut q = url.query_pairs_mut();
                    for (k, v) in &cfg.query {
                        q.append_pair(k, v);
                    }
                    if let (Some(c), Some(param)) = (since, &cfg.cursor_param) {
                        q.append_pair(param, &cursor_param_value(c));
                    }
                    match &cfg.pagination {
                        Pagination::Cursor { param, .. } => {
                            if let Some(after) = &token.after {
                                q.append_pair(param, after);
                            }
                        }
                        Pagination::Offset { param, limit_param, limit } => {
                            q.append_pair(param, &token.offset.unwrap_or(0).to_string());
                            q.append_pair(limit_param, &limit.to_string());
                        }
                        Pagination::Page { param, start, size_param, size } => {
                            q.append_pair(param, &token.page.unwrap_or(*start).to_string());
                            q.append_pair(size_param, &size.to_string());
                        }
                        Pagination::Link | Pagination::None => {}
                    }
                }
                // No `?` left dangling when there were no parameters.
                if url.query() == Some("") {
                    url.set_query(None);
                }
                url
            }
        };

        let req = self.request(reqwest::Method::GET, url).header("accept", "application/json");
        let resp = req.send().await.map_err(|e| transport(&e))?;
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let body = resp.text().await.map_err(|e| transport(&e))?;
        if !(200..300).contains(&status) {
            return Err(status_error(status, &headers, &body, false));
        }
        let mut json: Value = serde_json::from_str(&body).map_err(|_| {
            let start: String = body.chars().take(100).collect();
            SyncError::permanent(format!("the API returned a page that is not JSON ({start})"))
        })?;

        let items = match lookup_mut(&mut json, &cfg.records_path).map(Value::take) {
            Some(Value::Array(items)) => items,
            // Some APIs drop the key (or send null) on an empty page.
            None | Some(Value::Null) if !cfg.records_path.is_empty() => Vec::new(),
            _ => {
                return Err(SyncError::permanent(format!(
                    "the API's page has no array of records at {:?}",
                    if cfg.records_path.is_empty() { "the top level" } else { cfg.records_path.as_str() }
                )));
            }
        };
        let count = items.len();
        let mut records = Vec::with_capacity(count);
        for item in items {
            let Value::Object(fields) = item else {
                return Err(SyncError::permanent("the API's page holds a record that is not a JSON object"));
            };
            let object = Value::Object(fields);
            let id = lookup(&object, &cfg.id_field).and_then(scalar_text).ok_or_else(|| {
                SyncError::permanent(format!("a record on the API's page has no {} (the id field)", cfg.id_field))
            })?;
            let cursor = cfg.cursor_field.as_deref().and_then(|f| lookup(&object, f)).and_then(cursor_text);
            let deleted = cfg.deleted_field.as_deref().and_then(|f| lookup(&object, f)).is_some_and(|v| {
                !matches!(v, Value::Null | Value::Bool(false)) && v.as_str() != Some("") && v.as_str() != Some("false")
            });
            let Value::Object(fields) = object else { continue };
            records.push(Record { id, fields, cursor, deleted });
        }
        if let Some(since) = since {
            // The API may filter coarser than the cursor (dates, not times) or not at all:
            // `>=` holds here whatever it did. Records without a cursor are kept (no way to
            // tell), and the page is put in cursor order.
            let since = cursor_text(&Value::String(since.to_owned())).unwrap_or_default();
            records.retain(|r| r.cursor.as_ref().is_none_or(|c| *c >= since));
            records.sort_by(|a, b| a.cursor.cmp(&b.cursor));
        }

        let longest = token.longest.max(count);
        let last = count == 0 || count < token.longest;
        let next =
            match &cfg.pagination {
                _ if count == 0 => None,
                Pagination::Cursor { next_path, .. } => lookup(&json, next_path)
                    .and_then(scalar_text)
                    .map(|after| Token { after: Some(after), longest, ..Token::default() }),
                Pagination::Offset { .. } if !last => {
                    Some(Token { offset: Some(token.offset.unwrap_or(0) + count as u64), longest, ..Token::default() })
                }
                Pagination::Page { start, .. } if !last => {
                    Some(Token { page: Some(token.page.unwrap_or(*start) + 1), longest, ..Token::default() })
                }
                Pagination::Link => headers
                    .get_all(reqwest::header::LINK)
                    .iter()
                    .filter_map(|v| v.to_str().ok())
                    .find_map(next_link)
                    .map(|link| Token { url: Some(link), longest, ..Token::default() }),
                _ => None,
            };
        let next = match next {
            Some(t) => {
                let text = serde_json::to_string(&t).map_err(|e| SyncError::permanent(e.to_string()))?;
                // An API answering with the page it was asked for as the next one would be
                // read forever.
                let same = Token { longest: 0, ..t } == Token { longest: 0, ..token };
                if same {
                    return Err(SyncError::permanent(format!(
                        "the API named the same page as the next one again while reading {}; stopping",
                        cfg.name
                    )));
                }
                Some(text)
            }
            None => None,
        };
        Ok(Page { records, next })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn link_headers() {
        let h = r#"<https://api.x.com/items?page=2>; rel="next", <https://api.x.com/items?page=9>; rel="last""#;
        assert_eq!(next_link(h).as_deref(), Some("https://api.x.com/items?page=2"));
        let h = r#"<https://api.x.com/items?page=1>; rel="prev first", <https://api.x.com/items?a=1,2>; rel=next"#;
        assert_eq!(next_link(h).as_deref(), Some("https://api.x.com/items?a=1,2"));
        assert_eq!(next_link(r#"<https://api.x.com/items?page=1>; rel="prev""#), None);
    }

    #[test]
    fn cursors_sort_as_text() {
        let t = |v: Value| cursor_text(&v).unwrap_or_default();
        assert!(t(serde_json::json!(999)) < t(serde_json::json!(1000)));
        assert!(t(serde_json::json!("2024-01-01T10:00:00+02:00")) < t(serde_json::json!("2024-01-01T09:00:00Z")));
        assert_eq!(t(serde_json::json!("2024-01-01T09:00:00Z")), "2024-01-01T09:00:00.000000Z");
        assert_eq!(cursor_param_value(&t(serde_json::json!(1000))), "1000");
        assert_eq!(cursor_param_value(&t(serde_json::json!(0))), "0");
        assert_eq!(cursor_param_value(&t(serde_json::json!(12.5))), "12.500000");
    }
}

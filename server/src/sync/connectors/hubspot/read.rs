//! Reading HubSpot objects: the list endpoint for full reads, search for incremental ones.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use super::super::auth::ConnectionAuth;
use super::super::calls::{self, Reply};
use crate::sync::connector::{Page, Record, SyncError};

/// Re-read this much before the cursor: HubSpot's search index trails writes by seconds, so
/// a record modified just before the last run may only now be searchable.
pub const LOOKBACK_MS: i64 = 60_000;
const PAGE: usize = 100;
/// HubSpot's search returns at most this many results per query.
const SEARCH_CAP: usize = 10_000;

/// Cursors are modification times in milliseconds, zero-padded so text order is time order.
pub fn cursor_text(ms: i64) -> String {
    format!("{ms:013}")
}

/// HubSpot sends times as ISO 8601 text or as millisecond numbers (in text).
fn millis(value: &Value) -> Option<i64> {
    match value {
        Value::String(s) if s.bytes().all(|b| b.is_ascii_digit()) && !s.is_empty() => s.parse().ok(),
        Value::String(s) => chrono::DateTime::parse_from_rfc3339(s).ok().map(|t| t.timestamp_millis()),
        Value::Number(n) => n.as_i64(),
        _ => None,
    }
}

#[derive(Deserialize)]
struct Reply_ {
    results: Vec<Object>,
    #[serde(default)]
    paging: Option<Paging>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Object {
    id: String,
    #[serde(default)]
    properties: Map<String, Value>,
    #[serde(default)]
    updated_at: Option<String>,
    #[serde(default)]
    archived: bool,
}

#[derive(Deserialize)]
struct Paging {
    next: Option<Next>,
}

#[derive(Deserialize)]
struct Next {
    after: String,
}

fn record(object: Object, modified: &str) -> Record {
    let ms = object
        .properties
        .get(modified)
        .and_then(millis)
        .or_else(|| object.updated_at.as_ref().and_then(|u| millis(&Value::String(u.clone()))));
    Record { id: object.id, fields: object.properties, cursor: ms.map(cursor_text), deleted: object.archived }
}

/// A HubSpot error answer as a sync error, in HubSpot's words.
pub fn error(reply: &Reply) -> SyncError {
    let words = crate::connections::provider_words(&reply.body).unwrap_or_else(|| format!("HTTP {}", reply.status));
    match reply.status {
        403 => SyncError::permanent(format!(
            "HubSpot refused the request: {words} (the connection may lack a scope; reconnect it)"
        )),
        _ => SyncError::permanent(format!("HubSpot answered HTTP {}: {words}", reply.status)),
    }
}

pub async fn list(
    auth: &ConnectionAuth,
    object: &str,
    modified: &str,
    properties: &[String],
    page: Option<&str>,
) -> Result<Page, SyncError> {
    let mut query: Vec<(&str, String)> =
        vec![("limit", PAGE.to_string()), ("archived", "false".into()), ("properties", properties.join(","))];
    if let Some(after) = page {
        query.push(("after", after.to_owned()));
    }
    let path = format!("/crm/v3/objects/{object}");
    let reply = calls::send(auth, |http, base| http.get(format!("{base}{path}")).query(&query)).await?;
    if reply.status != 200 {
        return Err(error(&reply));
    }
    let parsed: Reply_ = calls::json("HubSpot", &reply)?;
    Ok(Page {
        next: parsed.paging.and_then(|p| p.next).map(|n| n.after),
        records: parsed.results.into_iter().map(|o| record(o, modified)).collect(),
    })
}

/// Where a search continues: from this time, after this many results.
#[derive(Serialize, Deserialize)]
struct SearchToken {
    since: i64,
    after: usize,
}

pub async fn search(
    auth: &ConnectionAuth,
    object: &str,
    modified: &str,
    properties: &[String],
    cursor: &str,
    page: Option<&str>,
) -> Result<Page, SyncError> {
    let token = match page {
        Some(t) => {
            serde_json::from_str::<SearchToken>(t).map_err(|_| SyncError::permanent("corrupt HubSpot page token"))?
        }
        None => {
            let ms = cursor.trim().parse::<i64>().map_err(|_| SyncError::CursorRejected {
                message: format!("the stored HubSpot position {cursor:?} is not a modification time"),
            })?;
            SearchToken { since: ms - LOOKBACK_MS, after: 0 }
        }
    };
    let body = json!({
        "filterGroups": [{"filters": [{"propertyName": modified, "operator": "GTE", "value": token.since.to_string()}]}],
        // The published spec types sorts as strings ("-name" for descending); ascending here.
        "sorts": [modified],
        "properties": properties,
        "limit": PAGE,
        "after": token.after.to_string(),
    });
    let path = format!("/crm/v3/objects/{object}/search");
    let reply = calls::send(auth, |http, base| http.post(format!("{base}{path}")).json(&body)).await?;
    if reply.status != 200 {
        return Err(error(&reply));
    }
    let parsed: Reply_ = calls::json("HubSpot", &reply)?;
    let records: Vec<Record> = parsed.results.into_iter().map(|o| record(o, modified)).collect();
    let next = match parsed.paging.and_then(|p| p.next).and_then(|n| n.after.parse::<usize>().ok()) {
        None => None,
        Some(after) if after + PAGE <= SEARCH_CAP => Some(SearchToken { since: token.since, after }),
        Some(_) => {
            // At the search cap: query again from the last time seen. Records sharing that
            // time are read twice; the identity map's hashes drop the repeats.
            let last = records.last().and_then(|r| r.cursor.as_deref()).and_then(|c| c.parse::<i64>().ok());
            match last {
                Some(last) if last > token.since => Some(SearchToken { since: last, after: 0 }),
                _ => {
                    return Err(SyncError::permanent(
                        "more than 10,000 HubSpot records share one modification time; run a full refresh instead",
                    ));
                }
            }
        }
    };
    Ok(Page { records, next: next.and_then(|t| serde_json::to_string(&t).ok()) })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_sort_as_times() {
        assert!(cursor_text(999_999_999_999) < cursor_text(1_000_000_000_000));
        assert_eq!(millis(&json!("2026-01-01T00:00:00Z")), Some(1_767_225_600_000));
        assert_eq!(millis(&json!("1767225600000")), Some(1_767_225_600_000));
        assert_eq!(millis(&json!("")), None);
    }
}

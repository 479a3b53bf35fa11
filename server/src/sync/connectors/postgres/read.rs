//! Reading a table page by page, by keyset: each page starts after the last row of the
//! previous one, so a page costs the same at row ten million as at row one, and rows added
//! or removed meanwhile never shift the pages (OFFSET would skip or repeat them).

use serde::{Deserialize, Serialize};
use serde_json::{Number, Value};
use sqlx::{PgPool, Row};

use super::errors::{classify, is_data_exception};
use super::schema::{T, Table, quote_literal, timestamp_text};
use crate::sync::connector::{Page, ReadMode, Record, SyncError};

/// Rows per page.
pub const PAGE_SIZE: usize = 1000;

/// Where the next page starts: the last row's key, and its cursor on incremental reads.
#[derive(Debug, Serialize, Deserialize)]
struct Token {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    c: Option<String>,
    k: String,
}

/// `jsonb_build_object` takes at most 100 arguments: 50 name/value pairs.
const PAIRS_PER_CALL: usize = 50;

/// The row as one JSON object: `to_jsonb` of the whole row, with the columns it would render
/// badly replaced (see `Column::read_override`).
fn record_expr(table: &Table) -> String {
    let overrides: Vec<String> = table
        .columns
        .iter()
        .filter_map(|c| c.read_override().map(|e| format!("{}, {e}", quote_literal(&c.name))))
        .collect();
    let mut expr = format!("to_jsonb({T}.*)");
    for chunk in overrides.chunks(PAIRS_PER_CALL) {
        expr.push_str(&format!(" || jsonb_build_object({})", chunk.join(", ")));
    }
    expr
}

pub(super) async fn read_page(
    pool: &PgPool,
    table: &Table,
    mode: &ReadMode,
    page: Option<&str>,
) -> Result<Page, SyncError> {
    let key = table.key_column()?;
    let token =
        match page {
            Some(text) => Some(serde_json::from_str::<Token>(text).map_err(|_| {
                SyncError::permanent(format!("the page token for {} is not one Hitch issued", table.name))
            })?),
            None => None,
        };
    let cursor = table.cursor_column();
    let cursor_text = cursor.map(|c| timestamp_text(&c.on_table(), c.base == "timestamptz"));
    let key_cast = format!("$1::text::{}", key.sql_type);
    let mut binds: Vec<String> = Vec::new();
    let (filter, order) = match mode {
        ReadMode::Full => {
            let filter = match token {
                Some(t) => {
                    binds.push(t.k);
                    format!("WHERE {} > {key_cast}", key.on_table())
                }
                None => String::new(),
            };
            (filter, key.on_table())
        }
        ReadMode::Since(since) => {
            let Some(c) = cursor else {
                return Err(SyncError::permanent(format!(
                    "table {} has no updated_at-like timestamp column, so it can only be read in full",
                    table.name
                )));
            };
            let cur_cast = format!("::text::{}", c.sql_type);
            let filter = match token {
                // Strictly after the last row returned: the `>=` of the read is only on the
                // starting cursor, pages never repeat a row.
                Some(Token { c: Some(last_cursor), k }) => {
                    binds.push(last_cursor);
                    binds.push(k);
                    format!("WHERE ({}, {}) > ($1{cur_cast}, $2::text::{})", c.on_table(), key.on_table(), key.sql_type)
                }
                Some(Token { c: None, .. }) => {
                    return Err(SyncError::permanent(format!(
                        "the page token for {} belongs to a full read, not an incremental one",
                        table.name
                    )));
                }
                None => {
                    binds.push(since.clone());
                    format!("WHERE {} >= $1{cur_cast}", c.on_table())
                }
            };
            (filter, format!("{}, {}", c.on_table(), key.on_table()))
        }
    };
    // One row more than a page tells whether another page follows, without an empty last page.
    let sql = format!(
        "SELECT ({})::text AS rec, {}::text AS id, {} AS cur FROM {} AS {T} {filter} ORDER BY {order} LIMIT {}",
        record_expr(table),
        key.on_table(),
        cursor_text.as_deref().unwrap_or("NULL::text"),
        table.qualified(),
        PAGE_SIZE + 1
    );
    let mut query = sqlx::query(&sql);
    for b in &binds {
        query = query.bind(b);
    }
    let rows = query.fetch_all(pool).await.map_err(|e| match (mode, page) {
        (ReadMode::Since(since), None) if is_data_exception(&e) => SyncError::CursorRejected {
            message: format!("the cursor {since:?} is not a time PostgreSQL accepts: {}", classify(&e)),
        },
        _ => classify(&e),
    })?;

    let more = rows.len() > PAGE_SIZE;
    let mut records = Vec::with_capacity(rows.len().min(PAGE_SIZE));
    for row in rows.iter().take(PAGE_SIZE) {
        records.push(to_record(table, row)?);
    }
    let next = match records.last() {
        Some(last) if more => {
            let token = Token {
                c: matches!(mode, ReadMode::Since(_)).then(|| last.cursor.clone()).flatten(),
                k: last.id.clone(),
            };
            Some(serde_json::to_string(&token).map_err(|e| SyncError::permanent(e.to_string()))?)
        }
        _ => None,
    };
    Ok(Page { records, next })
}

fn to_record(table: &Table, row: &sqlx::postgres::PgRow) -> Result<Record, SyncError> {
    let text: String = row.try_get("rec").map_err(|e| classify(&e))?;
    let id: String = row.try_get("id").map_err(|e| classify(&e))?;
    let cursor: Option<String> = row.try_get("cur").map_err(|e| classify(&e))?;
    let mut fields = match serde_json::from_str::<Value>(&text) {
        Ok(Value::Object(map)) => map,
        _ => return Err(SyncError::permanent(format!("row {id} of {} did not read as a JSON object", table.name))),
    };
    for c in table.columns.iter().filter(|c| c.exact_numeric()) {
        if let Some(v) = fields.get_mut(&c.name) {
            numeric_value(v);
        }
    }
    let deleted = table.soft_delete_column().is_some_and(|c| fields.get(&c.name).is_some_and(|v| !v.is_null()));
    Ok(Record { id, fields, cursor, deleted })
}

/// A `numeric` read as text becomes a JSON number when no digit is lost, else stays text
/// (money amounts with 20 significant digits must not be rounded on the way through).
pub(super) fn numeric_value(v: &mut Value) {
    let Value::String(text) = v else { return };
    if let Ok(i) = text.parse::<i64>() {
        *v = Value::Number(i.into());
        return;
    }
    let Ok(f) = text.parse::<f64>() else { return };
    if !f.is_finite() {
        return;
    }
    if normalize_decimal(&format!("{f}")) == normalize_decimal(text)
        && let Some(n) = Number::from_f64(f)
    {
        *v = Value::Number(n);
    }
}

/// Decimal text without trailing fractional zeros, for comparing values: "1.500" = "1.5".
fn normalize_decimal(text: &str) -> String {
    let t = text.strip_prefix('+').unwrap_or(text);
    let t = if t.contains('.') { t.trim_end_matches('0').trim_end_matches('.') } else { t };
    if t == "-0" { "0".to_owned() } else { t.to_owned() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numerics_become_numbers_only_when_lossless() {
        let conv = |s: &str| {
            let mut v = Value::String(s.to_owned());
            numeric_value(&mut v);
            v
        };
        assert_eq!(conv("12"), serde_json::json!(12));
        assert_eq!(conv("1.50"), serde_json::json!(1.5));
        assert_eq!(conv("0.1"), serde_json::json!(0.1));
        assert_eq!(conv("12345678901234567890.5"), serde_json::json!("12345678901234567890.5"));
        assert_eq!(conv("0.12345678901234567890123"), serde_json::json!("0.12345678901234567890123"));
        assert_eq!(conv("NaN"), serde_json::json!("NaN"));
        assert_eq!(conv("-0.000"), serde_json::json!(-0.0));
    }
}

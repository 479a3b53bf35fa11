//! Stripe: customers (read and write), invoices and charges (read).
//!
//! Full reads page the list endpoints with `starting_after`. Incremental reads follow the
//! Events API forward in time: `ending_before=<last event>` returns the events just after it,
//! so each page is reversed to oldest-first and the cursor is the last event applied. Stripe
//! keeps events for 30 days; an older cursor is rejected and the engine falls back to a full
//! read. Creates carry an `Idempotency-Key` derived from the source record, so a retried or
//! resumed run never creates the same customer twice. Card details are never kept: payment
//! method fields are dropped from every record read.

use serde::Deserialize;
use serde_json::{Map, Value};

use super::auth::ConnectionAuth;
use super::calls::{self, Reply};
use crate::sync::connector::{
    Connector, FieldKind, FieldSpec, ObjectSpec, Page, ReadMode, Record, SyncError, WriteOp, WriteOutcome,
};

/// (object, label, event type prefix, writable)
const OBJECTS: [(&str, &str, &str, bool); 3] = [
    ("customers", "Customers", "customer", true),
    ("invoices", "Invoices", "invoice", false),
    ("charges", "Charges", "charge", false),
];

/// Fields that can carry card data; never read into Hitch.
const CARD_FIELDS: [&str; 4] = ["payment_method_details", "source", "sources", "card"];

pub struct Stripe {
    auth: ConnectionAuth,
}

#[derive(Deserialize)]
struct List {
    data: Vec<Map<String, Value>>,
    #[serde(default)]
    has_more: bool,
}

fn field(name: &str, kind: FieldKind, read_only: bool) -> FieldSpec {
    FieldSpec { name: name.into(), label: name.replace('_', " "), kind, required: false, read_only }
}

fn fields(object: &str) -> Vec<FieldSpec> {
    use FieldKind::*;
    let common = [field("id", String, true), field("created", Number, true), field("metadata", Json, false)];
    let own: Vec<FieldSpec> = match object {
        "customers" => vec![
            field("email", String, false),
            field("name", String, false),
            field("phone", String, false),
            field("description", String, false),
            field("address", Json, false),
            field("balance", Number, true),
            field("currency", String, true),
            field("delinquent", Boolean, true),
        ],
        "invoices" => vec![
            field("customer", String, true),
            field("number", String, true),
            field("status", String, true),
            field("amount_due", Number, true),
            field("amount_paid", Number, true),
            field("currency", String, true),
            field("due_date", Number, true),
        ],
        _ => vec![
            field("customer", String, true),
            field("amount", Number, true),
            field("currency", String, true),
            field("status", String, true),
            field("paid", Boolean, true),
            field("description", String, true),
        ],
    };
    common.into_iter().chain(own).collect()
}

fn record(mut object: Map<String, Value>, cursor: Option<String>, deleted: bool) -> Option<Record> {
    for card in CARD_FIELDS {
        object.remove(card);
    }
    let id = object.get("id")?.as_str()?.to_owned();
    let deleted = deleted || object.get("deleted").and_then(Value::as_bool).unwrap_or(false);
    Some(Record { id, fields: object, cursor, deleted })
}

/// Stripe's error body, in its words, with the parameter it names.
fn error(reply: &Reply) -> SyncError {
    let json: Value = serde_json::from_str(&reply.body).unwrap_or(Value::Null);
    let message = json.pointer("/error/message").and_then(Value::as_str).unwrap_or("no error details").to_owned();
    let param = json.pointer("/error/param").and_then(Value::as_str).map(str::to_owned);
    let code = json.pointer("/error/code").and_then(Value::as_str).unwrap_or_default();
    if code == "resource_missing" && matches!(param.as_deref(), Some("ending_before" | "starting_after")) {
        return SyncError::CursorRejected {
            message: format!("Stripe no longer has the event Hitch stopped at ({message})"),
        };
    }
    SyncError::Permanent {
        message: format!("Stripe: {message}"),
        fields: param.map(|p| vec![(p, message.clone())]).unwrap_or_default(),
    }
}

/// Stripe takes form-encoded bodies with nested keys as `metadata[plan]=gold`.
fn form(fields: &Map<String, Value>) -> Vec<(String, String)> {
    fn walk(prefix: &str, value: &Value, out: &mut Vec<(String, String)>) {
        match value {
            Value::Object(map) => map.iter().for_each(|(k, v)| walk(&format!("{prefix}[{k}]"), v, out)),
            Value::Array(items) => items.iter().enumerate().for_each(|(i, v)| walk(&format!("{prefix}[{i}]"), v, out)),
            Value::Null => out.push((prefix.to_owned(), String::new())),
            Value::String(s) => out.push((prefix.to_owned(), s.clone())),
            other => out.push((prefix.to_owned(), other.to_string())),
        }
    }
    let mut out = Vec::new();
    for (k, v) in fields {
        if !matches!(k.as_str(), "id" | "object" | "created" | "livemode") {
            walk(k, v, &mut out);
        }
    }
    out
}

impl Stripe {
    pub fn new(auth: ConnectionAuth) -> Self {
        Self { auth }
    }

    fn object(name: &str) -> Result<(&'static str, &'static str, bool), SyncError> {
        OBJECTS.iter().find(|(o, ..)| *o == name).map(|(o, _, prefix, writable)| (*o, *prefix, *writable)).ok_or_else(
            || SyncError::permanent(format!("Stripe has no object {name:?} here (customers, invoices, charges)")),
        )
    }

    async fn full(&self, object: &str, page: Option<&str>) -> Result<Page, SyncError> {
        let mut query = vec![("limit", "100".to_owned())];
        if let Some(after) = page {
            query.push(("starting_after", after.to_owned()));
        }
        let path = format!("/v1/{object}");
        let reply = calls::send(&self.auth, |http, base| http.get(format!("{base}{path}")).query(&query)).await?;
        if reply.status != 200 {
            return Err(error(&reply));
        }
        let list: List = calls::json("Stripe", &reply)?;
        let records: Vec<Record> = list.data.into_iter().filter_map(|o| record(o, None, false)).collect();
        let next = if list.has_more { records.last().map(|r| r.id.clone()) } else { None };
        Ok(Page { records, next })
    }

    async fn events(&self, prefix: &str, after_event: &str) -> Result<Page, SyncError> {
        let query =
            [("limit", "100".to_owned()), ("type", format!("{prefix}.*")), ("ending_before", after_event.to_owned())];
        let reply = calls::send(&self.auth, |http, base| http.get(format!("{base}/v1/events")).query(&query)).await?;
        if reply.status != 200 {
            return Err(error(&reply));
        }
        let list: List = calls::json("Stripe", &reply)?;
        // Newest first within the page: apply oldest first.
        let mut records = Vec::with_capacity(list.data.len());
        for event in list.data.into_iter().rev() {
            let id = event.get("id").and_then(Value::as_str).unwrap_or_default().to_owned();
            let deleted = event.get("type").and_then(Value::as_str).is_some_and(|t| t.ends_with(".deleted"));
            if let Some(Value::Object(object)) = event.get("data").and_then(|d| d.get("object")).cloned()
                && let Some(r) = record(object, Some(id), deleted)
            {
                records.push(r);
            }
        }
        let next = if list.has_more { records.last().and_then(|r| r.cursor.clone()) } else { None };
        Ok(Page { records, next })
    }

    async fn write_one(&self, object: &str, op: &WriteOp) -> Result<WriteOutcome, SyncError> {
        let (path, method, body, key) = match op {
            WriteOp::Create { fields, idempotency_key } => {
                (format!("/v1/{object}"), "POST", form(fields), Some(idempotency_key.clone()))
            }
            WriteOp::Update { id, fields } => (format!("/v1/{object}/{id}"), "POST", form(fields), None),
            WriteOp::Delete { id } => (format!("/v1/{object}/{id}"), "DELETE", Vec::new(), None),
            WriteOp::Upsert { .. } => {
                return Ok(WriteOutcome::Failed(SyncError::permanent(
                    "Stripe has no upsert: leave the recipe's upsert key empty",
                )));
            }
            WriteOp::Archive { .. } => {
                return Ok(WriteOutcome::Failed(SyncError::permanent(
                    "Stripe customers cannot be archived: choose delete instead",
                )));
            }
        };
        let reply = calls::send(&self.auth, |http, base| {
            let url = format!("{base}{path}");
            let mut req = if method == "DELETE" { http.delete(url) } else { http.post(url).form(&body) };
            if let Some(k) = &key {
                req = req.header("Idempotency-Key", k);
            }
            req
        })
        .await?;
        if !(200..300).contains(&reply.status) {
            return Ok(WriteOutcome::Failed(error(&reply)));
        }
        let json: Map<String, Value> = calls::json("Stripe", &reply)?;
        let id = json.get("id").and_then(Value::as_str).unwrap_or_default().to_owned();
        Ok(WriteOutcome::Done { id, created: matches!(op, WriteOp::Create { .. }) })
    }
}

#[async_trait::async_trait]
impl Connector for Stripe {
    async fn objects(&self) -> Result<Vec<ObjectSpec>, SyncError> {
        Ok(OBJECTS
            .iter()
            .map(|(name, label, _, writable)| ObjectSpec {
                name: (*name).into(),
                label: (*label).into(),
                fields: fields(name),
                incremental: true,
                writable: *writable,
                deletes: "deleted events".into(),
                upsert_keys: Vec::new(),
            })
            .collect())
    }

    async fn read_page(&self, object: &str, mode: &ReadMode, page: Option<&str>) -> Result<Page, SyncError> {
        let (object, prefix, _) = Self::object(object)?;
        match mode {
            ReadMode::Full => self.full(object, page).await,
            ReadMode::Since(cursor) => self.events(prefix, page.unwrap_or(cursor)).await,
        }
    }

    async fn write_batch(&self, object: &str, ops: &[WriteOp]) -> Result<Vec<WriteOutcome>, SyncError> {
        let (object, _, writable) = Self::object(object)?;
        if !writable {
            return Err(SyncError::permanent(format!("Stripe {object} are read-only here")));
        }
        let mut out = Vec::with_capacity(ops.len());
        for op in ops {
            out.push(self.write_one(object, op).await?);
        }
        Ok(out)
    }

    fn max_batch(&self) -> usize {
        20
    }

    async fn high_water_mark(&self, object: &str) -> Result<Option<String>, SyncError> {
        let (_, prefix, _) = Self::object(object)?;
        let query = [("limit", "1".to_owned()), ("type", format!("{prefix}.*"))];
        let reply = calls::send(&self.auth, |http, base| http.get(format!("{base}/v1/events")).query(&query)).await?;
        if reply.status != 200 {
            return Err(error(&reply));
        }
        let list: List = calls::json("Stripe", &reply)?;
        Ok(list.data.first().and_then(|e| e.get("id")).and_then(Value::as_str).map(str::to_owned))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms_nest_like_stripe() {
        let fields: Map<String, Value> =
            serde_json::from_str(r#"{"id":"cus_1","email":"a@b.co","metadata":{"plan":"gold"},"balance":5}"#)
                .unwrap_or_default();
        let mut got = form(&fields);
        got.sort();
        assert_eq!(
            got,
            vec![
                ("balance".into(), "5".into()),
                ("email".into(), "a@b.co".into()),
                ("metadata[plan]".into(), "gold".into())
            ]
        );
    }

    #[test]
    fn card_data_is_dropped() {
        let charge: Map<String, Value> =
            serde_json::from_str(r#"{"id":"ch_1","amount":100,"payment_method_details":{"card":{"last4":"4242"}}}"#)
                .unwrap_or_default();
        let r = record(charge, None, false).map(|r| r.fields).unwrap_or_default();
        assert!(!r.contains_key("payment_method_details") && r.contains_key("amount"));
    }
}

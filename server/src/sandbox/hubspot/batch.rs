//! `POST /crm/v3/objects/{object}/batch/{create|update|upsert|archive}`: at most 100 inputs;
//! each input succeeds or fails on its own. All good → 201 (create) or 200; some failed →
//! 207 with `errors` and `numErrors`; all failed → the first error's own status (400, 404,
//! 409). Archive answers 204 and ignores unknown ids, as HubSpot does.

use std::collections::HashSet;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::Value;

use super::errors::HsError;
use super::list::object_of;
use super::render::{json_response, write_record, written_props};
use super::schema::{Object, PropRef};
use super::store::Table;
use super::validate::{Changes, changes, email_in};
use crate::sandbox::Sandbox;
use crate::sandbox::api_auth::authenticate;
use crate::sandbox::data::json::iso_ms;
use crate::sandbox::data::now_ms;

pub const MAX_INPUTS: usize = 100;

/// A record written: its id, `new` for upserts, and the input's `objectWriteTraceId`.
type Done = (u64, Option<bool>, Option<String>);

#[derive(Clone, Copy, PartialEq, Eq)]
enum Action {
    Create,
    Update,
    Upsert,
    Archive,
}

pub async fn batch_post(
    State(s): State<Arc<Sandbox>>,
    Path((object, action)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if let Err(reject) = authenticate(&s, "hubspot", &headers) {
        return reject.into_response();
    }
    let action = match action.as_str() {
        "create" => Action::Create,
        "update" => Action::Update,
        "upsert" => Action::Upsert,
        "archive" => Action::Archive,
        _ => return crate::sandbox::not_found_json("No such sandbox endpoint."),
    };
    match batch(&s, &object, action, &body) {
        Ok(response) => response,
        Err(err) => err.into_response(),
    }
}

fn batch(s: &Sandbox, object: &str, action: Action, raw: &[u8]) -> Result<Response, HsError> {
    let object = object_of(object)?;
    let body: Value = serde_json::from_slice(raw).map_err(|e| {
        HsError::validation(format!("Invalid input JSON on line {}, column {}: {e}", e.line(), e.column()))
    })?;
    let inputs = body
        .get("inputs")
        .and_then(Value::as_array)
        .ok_or_else(|| HsError::validation("Invalid input JSON: 'inputs' must be an array"))?;
    if inputs.len() > MAX_INPUTS {
        return Err(HsError::validation(format!(
            "Batch input too large: {} inputs; the maximum is {MAX_INPUTS}",
            inputs.len()
        )));
    }
    let now = now_ms(s);
    let started = iso_ms(now);
    let mut store = s.crm.hubspot();
    let table = store.table_mut(object);
    if action == Action::Archive {
        for input in inputs {
            if let Some(id) = input.get("id").and_then(id_of) {
                table.archive(object, id, now);
            }
        }
        return Ok(StatusCode::NO_CONTENT.into_response());
    }
    let mut done: Vec<Done> = Vec::new();
    let mut errors: Vec<HsError> = Vec::new();
    let (mut missing, mut missing_traces) = (Vec::new(), Vec::new());
    let mut seen = HashSet::new();
    for input in inputs {
        // Echoed on the result and named in the error context, as HubSpot does, so callers
        // can tell which input each answer belongs to.
        let trace = input.get("objectWriteTraceId").and_then(Value::as_str).map(str::to_owned);
        let outcome = match action {
            Action::Create => create(table, object, input, now).map(|id| Some((id, None))),
            Action::Update => update(table, object, input, now, &mut seen, &mut missing),
            _ => upsert(table, object, input, now, &mut seen, &mut missing),
        };
        match outcome {
            Ok(Some((id, new))) => done.push((id, new, trace)),
            Ok(None) => missing_traces.extend(trace),
            Err(mut e) => {
                if let Some(t) = trace {
                    e.context.push(("objectWriteTraceId", vec![t]));
                }
                errors.push(e);
            }
        }
    }
    if !missing.is_empty() {
        let mut e = HsError::not_found(object.upper(), missing);
        if !missing_traces.is_empty() {
            e.context.push(("objectWriteTraceId", missing_traces));
        }
        errors.push(e);
    }
    let ok_status = if action == Action::Create { StatusCode::CREATED } else { StatusCode::OK };
    Ok(respond(table, object, ok_status, &done, errors, &started, now))
}

fn id_of(v: &Value) -> Option<u64> {
    match v {
        Value::String(s) => s.trim().parse().ok(),
        Value::Number(n) => n.as_u64(),
        _ => None,
    }
}

fn conflict_check(table: &Table, object: Object, c: &Changes, own: Option<u64>) -> Result<(), HsError> {
    match email_in(object, c).and_then(|e| table.id_by_email(e)) {
        Some(existing) if Some(existing) != own => Err(HsError::conflict(object.upper(), existing)),
        _ => Ok(()),
    }
}

fn create(table: &mut Table, object: Object, input: &Value, now: i64) -> Result<u64, HsError> {
    let c = changes(object, input.get("properties"))?;
    conflict_check(table, object, &c, None)?;
    Ok(table.create(object, &c, now))
}

/// Resolves `id` (with `idProperty` "email" for contacts) to a live record id.
fn resolve(table: &Table, object: Object, input: &Value) -> Result<(String, Option<u64>, bool), HsError> {
    let raw = match input.get("id") {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        _ => return Err(HsError::validation("Invalid input JSON: each input needs an 'id'")),
    };
    match input.get("idProperty").and_then(Value::as_str) {
        None | Some("hs_object_id") => {
            Ok((raw.clone(), raw.parse().ok().filter(|id| table.live.contains_key(id)), false))
        }
        Some(p) if object.unique_prop().map(|i| object.ref_name(PropRef::Stored(i))) == Some(p) => {
            let id = table.id_by_email(&raw);
            Ok((raw, id, true))
        }
        Some(p) => Err(HsError::validation(format!("Property {p} is not a unique identifier for {}", object.name()))),
    }
}

fn first_time(seen: &mut HashSet<String>, key: &str) -> Result<(), HsError> {
    if seen.insert(key.to_lowercase()) {
        Ok(())
    } else {
        Err(HsError::validation(format!("Duplicate IDs found in batch input: [{key}]. IDs must be unique")))
    }
}

fn update(
    table: &mut Table,
    object: Object,
    input: &Value,
    now: i64,
    seen: &mut HashSet<String>,
    missing: &mut Vec<String>,
) -> Result<Option<(u64, Option<bool>)>, HsError> {
    let (key, id, _) = resolve(table, object, input)?;
    first_time(seen, &key)?;
    let c = changes(object, input.get("properties"))?;
    let Some(id) = id else {
        missing.push(key);
        return Ok(None);
    };
    conflict_check(table, object, &c, Some(id))?;
    table.update(object, id, &c, now);
    Ok(Some((id, None)))
}

fn upsert(
    table: &mut Table,
    object: Object,
    input: &Value,
    now: i64,
    seen: &mut HashSet<String>,
    missing: &mut Vec<String>,
) -> Result<Option<(u64, Option<bool>)>, HsError> {
    let (key, id, by_unique) = resolve(table, object, input)?;
    first_time(seen, &key)?;
    let mut c = changes(object, input.get("properties"))?;
    match (id, by_unique) {
        (Some(id), _) => {
            conflict_check(table, object, &c, Some(id))?;
            table.update(object, id, &c, now);
            Ok(Some((id, Some(false))))
        }
        (None, true) => {
            let i = object.unique_prop().unwrap_or(0);
            c.retain(|(j, _)| *j != i);
            let email = changes(object, Some(&serde_json::json!({object.ref_name(PropRef::Stored(i)): key})))?;
            c.extend(email);
            Ok(Some((table.create(object, &c, now), Some(true))))
        }
        (None, false) => {
            missing.push(key);
            Ok(None)
        }
    }
}

fn respond(
    table: &Table,
    object: Object,
    ok_status: StatusCode,
    done: &[Done],
    errors: Vec<HsError>,
    started: &str,
    now: i64,
) -> Response {
    if done.is_empty()
        && let Some(first) = errors.first()
    {
        return first.clone().into_response();
    }
    let mut out = String::with_capacity(128 + 500 * done.len());
    out.push_str("{\"status\":\"COMPLETE\",\"results\":[");
    let mut first = true;
    for (id, new, trace) in done {
        if let Some(r) = table.live.get(id) {
            if !first {
                out.push(',');
            }
            first = false;
            write_record(&mut out, object, r, &written_props(object, r), *new);
            if let Some(t) = trace {
                out.pop();
                out.push_str(",\"objectWriteTraceId\":");
                crate::sandbox::data::json::push_str(&mut out, t);
                out.push('}');
            }
        }
    }
    out.push(']');
    let status = if errors.is_empty() {
        ok_status
    } else {
        let errs: Vec<Value> = errors.iter().map(HsError::standard).collect();
        out.push_str(&format!(",\"numErrors\":{},\"errors\":{}", errs.len(), Value::Array(errs)));
        StatusCode::MULTI_STATUS
    };
    out.push_str(&format!(",\"startedAt\":\"{started}\",\"completedAt\":\"{}\"}}", iso_ms(now)));
    json_response(status, out)
}

//! Customer writes and reads: `POST /v1/customers` (form-encoded `email`, `name`, `phone`,
//! `description`, `metadata[k]`), `POST /v1/customers/{id}`, `DELETE /v1/customers/{id}`,
//! `GET /v1/customers/{id}`. Every change appends a `customer.*` event. `Idempotency-Key` is
//! honoured: same key and body → the saved answer with `Idempotent-Replayed: true`; same key,
//! other body → 400 `idempotency_error`.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

use super::errors::StripeError;
use super::render;
use super::store::{Customer, EventKind, Saved, Store};
use crate::sandbox::Sandbox;
use crate::sandbox::api_auth::authenticate;
use crate::sandbox::data::words::stripe_email_ok;

pub type Params = Vec<(String, String)>;
/// Who asked: (request id, idempotency key).
type Request = (String, Option<String>);

pub fn parse(body: &[u8]) -> Result<Params, StripeError> {
    serde_urlencoded::from_bytes(body).map_err(|_| {
        StripeError::invalid("Invalid request body: expected application/x-www-form-urlencoded", None, None)
    })
}

fn text(v: &str) -> Option<Box<str>> {
    (!v.is_empty()).then(|| Box::from(v))
}

fn old(v: &Option<Box<str>>) -> Value {
    v.as_deref().map_or(Value::Null, |s| json!(s))
}

pub fn unknown_parameter(key: &str) -> StripeError {
    StripeError::invalid(format!("Received unknown parameter: {key}"), Some(key), Some("parameter_unknown"))
}

/// Applies one `metadata[name]=value` (empty value: unset) or `metadata=` (unset all),
/// keeping the list sorted; `Ok(false)` when `key` is not a metadata parameter.
pub fn apply_metadata(metadata: &mut Vec<(Box<str>, Box<str>)>, key: &str, value: &str) -> Result<bool, StripeError> {
    if key == "metadata" && value.is_empty() {
        metadata.clear();
        return Ok(true);
    }
    let Some(name) = key.strip_prefix("metadata[").and_then(|r| r.strip_suffix(']')).filter(|n| !n.is_empty()) else {
        return Ok(false);
    };
    metadata.retain(|(n, _)| n.as_ref() != name);
    if !value.is_empty() {
        if value.chars().count() > 500 {
            return Err(StripeError::invalid("Metadata values can have up to 500 characters.", Some(key), None));
        }
        metadata.push((Box::from(name), Box::from(value)));
        metadata.sort();
    }
    if metadata.len() > 50 {
        return Err(StripeError::invalid("Metadata can have up to 50 keys.", Some("metadata"), None));
    }
    Ok(true)
}

/// Applies form parameters; returns Stripe's `previous_attributes` for what changed.
pub fn apply(c: &mut Customer, params: &Params) -> Result<Map<String, Value>, StripeError> {
    let mut previous = Map::new();
    let mut next = c.clone();
    for (key, value) in params {
        match key.as_str() {
            "email" => {
                if !value.is_empty() && !stripe_email_ok(value) {
                    let msg = format!("Invalid email address: {value}");
                    return Err(StripeError::invalid(msg, Some("email"), Some("email_invalid")));
                }
                next.email = text(value);
            }
            "name" => next.name = text(value),
            "phone" => next.phone = text(value),
            "description" => next.description = text(value),
            k if k.starts_with("expand[") => {}
            k => {
                if !apply_metadata(&mut next.metadata, k, value)? {
                    return Err(unknown_parameter(k));
                }
            }
        }
    }
    for (field, before, after) in [
        ("email", &c.email, &next.email),
        ("name", &c.name, &next.name),
        ("phone", &c.phone, &next.phone),
        ("description", &c.description, &next.description),
    ] {
        if before != after {
            previous.insert(field.to_owned(), old(before));
        }
    }
    if c.metadata != next.metadata {
        let mut meta = Map::new();
        for (k, _) in next.metadata.iter().chain(c.metadata.iter()) {
            let was = c.metadata.iter().find(|(n, _)| n == k).map(|(_, v)| json!(v.as_ref()));
            let now = next.metadata.iter().find(|(n, _)| n == k).map(|(_, v)| v);
            if was.as_ref().and_then(Value::as_str) != now.map(AsRef::as_ref) {
                meta.insert(k.to_string(), was.unwrap_or(Value::Null));
            }
        }
        previous.insert("metadata".to_owned(), Value::Object(meta));
    }
    *c = next;
    Ok(previous)
}

/// Creates, updates or deletes under one lock, with idempotency and a `Request-Id`.
fn write(
    s: &Sandbox,
    headers: &HeaderMap,
    what: &str,
    body: &[u8],
    op: impl FnOnce(&mut Store, i64, Request) -> Result<Value, StripeError>,
) -> Response {
    if let Err(reject) = authenticate(s, "stripe", headers) {
        return reject.into_response();
    }
    let key = headers.get("Idempotency-Key").and_then(|v| v.to_str().ok()).map(str::to_owned);
    let fingerprint = format!("{what}\n{}", String::from_utf8_lossy(body));
    let request_id = format!("req_{}", &uuid::Uuid::new_v4().simple().to_string()[..14]);
    let now = i64::try_from(s.shared.now()).unwrap_or(0);
    let mut store = s.crm.stripe();
    if let Some(k) = &key
        && let Some(saved) = store.idempotency.get(k)
    {
        if saved.fingerprint != fingerprint {
            return finish(StripeError::idempotency(k).into_response(), &request_id, key.as_deref(), false);
        }
        let status = StatusCode::from_u16(saved.status).unwrap_or(StatusCode::OK);
        let replay = (status, [(header::CONTENT_TYPE, "application/json")], saved.body.clone()).into_response();
        return finish(replay, &request_id, key.as_deref(), true);
    }
    let response = match op(&mut store, now, (request_id.clone(), key.clone())) {
        Ok(value) => {
            let body = value.to_string();
            if let Some(k) = &key {
                store.idempotency.insert(k.clone(), Saved { fingerprint, status: 200, body: body.clone() });
            }
            (StatusCode::OK, [(header::CONTENT_TYPE, "application/json")], body).into_response()
        }
        Err(err) => err.into_response(),
    };
    drop(store);
    finish(response, &request_id, key.as_deref(), false)
}

fn finish(mut response: Response, request_id: &str, key: Option<&str>, replayed: bool) -> Response {
    let h = response.headers_mut();
    if let Ok(v) = HeaderValue::from_str(request_id) {
        h.insert("Request-Id", v);
    }
    if let Some(v) = key.and_then(|k| HeaderValue::from_str(k).ok()) {
        h.insert("Idempotency-Key", v);
    }
    if replayed {
        h.insert("Idempotent-Replayed", HeaderValue::from_static("true"));
    }
    response
}

pub async fn create_post(State(s): State<Arc<Sandbox>>, headers: HeaderMap, body: Bytes) -> Response {
    write(&s, &headers, "POST /v1/customers", &body, |store, now, request| {
        let params = parse(&body)?;
        let mut c = Customer { seq: store.next_customer.max(1), created: now, ..Customer::default() };
        apply(&mut c, &params)?;
        store.next_customer = c.seq + 1;
        let value = render::customer(store, &c);
        store.push_event(EventKind::Created, c.seq, now, value.to_string(), None, Some((request.0, request.1)));
        store.customers.insert(c.seq, c);
        Ok(value)
    })
}

fn live_seq(store: &Store, id: &str) -> Result<u64, StripeError> {
    store
        .seq_of("cus", id)
        .filter(|seq| store.customers.contains_key(seq))
        .ok_or_else(|| StripeError::missing("customer", id, "id", StatusCode::NOT_FOUND))
}

/// Updates a customer in place, appending `customer.updated` when something changed.
pub fn update(
    store: &mut Store,
    seq: u64,
    params: &Params,
    now: i64,
    request: Option<Request>,
) -> Result<Value, StripeError> {
    let Some(mut c) = store.customers.get(&seq).cloned() else {
        let id = store.id("cus", seq);
        return Err(StripeError::missing("customer", &id, "id", StatusCode::NOT_FOUND));
    };
    let previous = apply(&mut c, params)?;
    let value = render::customer(store, &c);
    if !previous.is_empty() {
        let prev = Value::Object(previous).to_string();
        store.push_event(EventKind::Updated, seq, now, value.to_string(), Some(prev), request);
        store.customers.insert(seq, c);
    }
    Ok(value)
}

pub async fn update_post(
    State(s): State<Arc<Sandbox>>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    write(&s, &headers, &format!("POST /v1/customers/{id}"), &body, |store, now, request| {
        let params = parse(&body)?;
        let seq = live_seq(store, &id)?;
        update(store, seq, &params, now, Some(request))
    })
}

/// Deletes a customer, appending `customer.deleted` with its last state.
pub fn remove(store: &mut Store, seq: u64, now: i64, request: Option<Request>) -> Option<Value> {
    let c = store.customers.remove(&seq)?;
    let snapshot = render::customer(store, &c).to_string();
    store.deleted.insert(seq);
    store.push_event(EventKind::Deleted, seq, now, snapshot, None, request);
    Some(render::deleted_customer(store, seq))
}

pub async fn customer_delete(State(s): State<Arc<Sandbox>>, Path(id): Path<String>, headers: HeaderMap) -> Response {
    write(&s, &headers, &format!("DELETE /v1/customers/{id}"), b"", |store, now, request| {
        let seq = live_seq(store, &id)?;
        remove(store, seq, now, Some(request))
            .ok_or_else(|| StripeError::missing("customer", &id, "id", StatusCode::NOT_FOUND))
    })
}

pub async fn customer_get(State(s): State<Arc<Sandbox>>, Path(id): Path<String>, headers: HeaderMap) -> Response {
    if let Err(reject) = authenticate(&s, "stripe", &headers) {
        return reject.into_response();
    }
    let store = s.crm.stripe();
    let seq = store.seq_of("cus", &id);
    match seq.and_then(|q| store.customers.get(&q)) {
        Some(c) => axum::Json(render::customer(&store, c)).into_response(),
        None => match seq.filter(|q| store.deleted.contains(q)) {
            Some(q) => axum::Json(render::deleted_customer(&store, q)).into_response(),
            None => StripeError::missing("customer", &id, "id", StatusCode::NOT_FOUND).into_response(),
        },
    }
}

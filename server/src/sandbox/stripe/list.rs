//! `GET /v1/{customers|invoices|charges|events}`: newest first, `limit` 1..=100 (default 10),
//! `starting_after` (older than), `ending_before` (the page immediately newer than, still
//! newest first), `created[gt|gte|lt|lte]` or `created=`, plus `email` (customers),
//! `customer` (invoices, charges), `type` with `.*` wildcards and `types[]` (events). Also the
//! single-object GETs of invoices, charges and events.

use std::sync::Arc;

use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::errors::StripeError;
use super::render;
use super::store::Store;
use crate::sandbox::Sandbox;
use crate::sandbox::api_auth::authenticate;

pub(super) type Pairs = Vec<(String, String)>;

pub(super) fn pairs(query: Option<&str>) -> Pairs {
    url::form_urlencoded::parse(query.unwrap_or("").as_bytes()).into_owned().collect()
}

pub(super) fn one<'p>(pairs: &'p Pairs, key: &str) -> Option<&'p str> {
    pairs.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
}

fn int(pairs: &Pairs, key: &str) -> Result<Option<i64>, StripeError> {
    one(pairs, key)
        .map(|v| v.trim().parse().map_err(|_| StripeError::invalid(format!("Invalid integer: {v}"), Some(key), None)))
        .transpose()
}

/// `created` bounds as (low, high), inclusive.
fn created_range(pairs: &Pairs) -> Result<(i64, i64), StripeError> {
    let mut lo = int(pairs, "created[gte]")?.unwrap_or(i64::MIN);
    let mut hi = int(pairs, "created[lte]")?.unwrap_or(i64::MAX);
    if let Some(gt) = int(pairs, "created[gt]")? {
        lo = lo.max(gt.saturating_add(1));
    }
    if let Some(lt) = int(pairs, "created[lt]")? {
        hi = hi.min(lt.saturating_sub(1));
    }
    if let Some(exact) = int(pairs, "created")? {
        lo = lo.max(exact);
        hi = hi.min(exact);
    }
    Ok((lo, hi))
}

enum Cursor {
    Top,
    Before(usize),
    After(usize),
}

struct Common {
    limit: usize,
    created: (i64, i64),
}

fn common(pairs: &Pairs) -> Result<Common, StripeError> {
    Ok(Common { limit: limit(pairs)?, created: created_range(pairs)? })
}

/// `limit`: 1 to 100, default 10.
pub(super) fn limit(pairs: &Pairs) -> Result<usize, StripeError> {
    let limit = int(pairs, "limit")?.unwrap_or(10);
    if limit > 100 {
        let msg = format!("This value must be less than or equal to 100 (it currently is '{limit}').");
        return Err(StripeError::invalid(msg, Some("limit"), None));
    }
    if limit < 1 {
        let msg = format!("This value must be greater than or equal to 1 (it currently is '{limit}').");
        return Err(StripeError::invalid(msg, Some("limit"), None));
    }
    Ok(limit as usize)
}

/// Resolves `starting_after` / `ending_before` to a sequence number of `prefix` objects
/// within `valid` (1-based sequence numbers).
fn cursor(
    store: &Store,
    pairs: &Pairs,
    prefix: &str,
    noun: &str,
    valid: impl Fn(u64) -> bool,
) -> Result<Cursor, StripeError> {
    let after = one(pairs, "starting_after").filter(|v| !v.is_empty());
    let before = one(pairs, "ending_before").filter(|v| !v.is_empty());
    let (id, param) = match (after, before) {
        (Some(_), Some(_)) => {
            return Err(StripeError::invalid(
                "You may only specify one of these parameters: ending_before, starting_after.",
                None,
                None,
            ));
        }
        (Some(id), None) => (id, "starting_after"),
        (None, Some(id)) => (id, "ending_before"),
        (None, None) => return Ok(Cursor::Top),
    };
    let seq = store
        .seq_of(prefix, id)
        .filter(|s| *s >= 1 && valid(*s))
        .ok_or_else(|| StripeError::missing(noun, id, param, StatusCode::BAD_REQUEST))?;
    let seq = usize::try_from(seq).unwrap_or(usize::MAX);
    Ok(if param == "starting_after" { Cursor::Before(seq) } else { Cursor::After(seq) })
}

/// One page of `items` (sequence = index + 1 + `base`), newest first; `has_more` as Stripe
/// means it for the direction read.
fn page<'a, T>(
    items: &'a [T],
    base: usize,
    cur: &Cursor,
    limit: usize,
    keep: impl Fn(&T) -> bool,
) -> (Vec<&'a T>, bool) {
    let rel = |seq: usize| seq.saturating_sub(base + 1).min(items.len());
    let (mut got, reverse): (Vec<&T>, bool) = match cur {
        Cursor::Top => (items.iter().rev().filter(|t| keep(t)).take(limit + 1).collect(), false),
        Cursor::Before(seq) => (items[..rel(*seq)].iter().rev().filter(|t| keep(t)).take(limit + 1).collect(), false),
        Cursor::After(seq) => {
            let from = (rel(*seq) + 1).min(items.len());
            (items[from..].iter().filter(|t| keep(t)).take(limit + 1).collect(), true)
        }
    };
    let more = got.len() > limit;
    got.truncate(limit);
    if reverse {
        got.reverse();
    }
    (got, more)
}

fn list_body(url: &str, data: Vec<Value>, has_more: bool) -> Response {
    axum::Json(json!({"object": "list", "data": data, "has_more": has_more, "url": url})).into_response()
}

macro_rules! list_handler {
    ($name:ident, $kind:literal) => {
        pub async fn $name(State(s): State<Arc<Sandbox>>, headers: HeaderMap, RawQuery(query): RawQuery) -> Response {
            list(&s, $kind, &headers, query.as_deref())
        }
    };
}
list_handler!(customers_get, "customers");
list_handler!(invoices_get, "invoices");
list_handler!(charges_get, "charges");
list_handler!(events_get, "events");

fn list(s: &Sandbox, kind: &str, headers: &HeaderMap, query: Option<&str>) -> Response {
    if let Err(reject) = authenticate(s, "stripe", headers) {
        return reject.into_response();
    }
    let pairs = pairs(query);
    let now = i64::try_from(s.shared.now()).unwrap_or(0);
    let store = s.crm.stripe();
    let result = match kind {
        "customers" => customers(&store, &pairs),
        "invoices" => invoices(&store, &pairs, false),
        "charges" => invoices(&store, &pairs, true),
        "events" => events(&store, &pairs, now),
        _ => return crate::sandbox::not_found_json("No such sandbox endpoint."),
    };
    result.unwrap_or_else(IntoResponse::into_response)
}

fn customers(store: &Store, pairs: &Pairs) -> Result<Response, StripeError> {
    let c = common(pairs)?;
    let email = one(pairs, "email");
    let cur = cursor(store, pairs, "cus", "customer", |s| s < store.next_customer)?;
    let keep = |x: &&super::store::Customer| {
        x.created >= c.created.0 && x.created <= c.created.1 && email.is_none_or(|e| x.email.as_deref() == Some(e))
    };
    let map = &store.customers;
    let (mut got, reverse): (Vec<_>, bool) = match cur {
        Cursor::Top => (map.values().rev().filter(keep).take(c.limit + 1).collect(), false),
        Cursor::Before(seq) => {
            (map.range(..seq as u64).rev().map(|(_, v)| v).filter(keep).take(c.limit + 1).collect(), false)
        }
        Cursor::After(seq) => {
            (map.range(seq as u64 + 1..).map(|(_, v)| v).filter(keep).take(c.limit + 1).collect(), true)
        }
    };
    let more = got.len() > c.limit;
    got.truncate(c.limit);
    if reverse {
        got.reverse();
    }
    Ok(list_body("/v1/customers", got.into_iter().map(|x| render::customer(store, x)).collect(), more))
}

fn invoices(store: &Store, pairs: &Pairs, charges: bool) -> Result<Response, StripeError> {
    let c = common(pairs)?;
    let customer = match one(pairs, "customer") {
        None => None,
        Some(id) => Some(
            store
                .seq_of("cus", id)
                .ok_or_else(|| StripeError::missing("customer", id, "customer", StatusCode::BAD_REQUEST))?,
        ),
    };
    let in_range = |created: i64| created >= c.created.0 && created <= c.created.1;
    if charges {
        let cur = cursor(store, pairs, "ch", "charge", |s| s as usize <= store.charges.len())?;
        let keep = |x: &super::store::Charge| in_range(x.created) && customer.is_none_or(|cu| x.customer == cu);
        let (got, more) = page(&store.charges, 0, &cur, c.limit, keep);
        return Ok(list_body("/v1/charges", got.into_iter().map(|x| render::charge(store, x)).collect(), more));
    }
    let cur = cursor(store, pairs, "in", "invoice", |s| s as usize <= store.invoices.len())?;
    let keep = |x: &super::store::Invoice| in_range(x.created) && customer.is_none_or(|cu| x.customer == cu);
    let (got, more) = page(&store.invoices, 0, &cur, c.limit, keep);
    Ok(list_body("/v1/invoices", got.into_iter().map(|x| render::invoice(store, x)).collect(), more))
}

fn type_matches(pattern: &str, name: &str) -> bool {
    match pattern.strip_suffix('*') {
        Some(prefix) => name.starts_with(prefix),
        None => pattern == name,
    }
}

fn events(store: &Store, pairs: &Pairs, now: i64) -> Result<Response, StripeError> {
    let c = common(pairs)?;
    let single = one(pairs, "type");
    let many: Vec<&str> =
        pairs.iter().filter(|(k, _)| k == "types[]" || k.starts_with("types[")).map(|(_, v)| v.as_str()).collect();
    if single.is_some() && !many.is_empty() {
        return Err(StripeError::invalid("You may only specify one of these parameters: type, types.", None, None));
    }
    let first = store.first_retained(now);
    let cur = cursor(store, pairs, "evt", "event", |s| s as usize > first && s as usize <= store.events.len())?;
    let keep = |e: &super::store::Event| {
        let name = e.kind.name();
        e.created >= c.created.0
            && e.created <= c.created.1
            && single.is_none_or(|t| type_matches(t, name))
            && (many.is_empty() || many.iter().any(|t| type_matches(t, name)))
    };
    let (got, more) = page(&store.events[first..], first, &cur, c.limit, keep);
    Ok(list_body("/v1/events", got.into_iter().map(|e| render::event(store, e)).collect(), more))
}

macro_rules! one_handler {
    ($name:ident, $kind:literal) => {
        pub async fn $name(State(s): State<Arc<Sandbox>>, Path(id): Path<String>, headers: HeaderMap) -> Response {
            one_object(&s, $kind, &id, &headers)
        }
    };
}
one_handler!(invoice_get, "invoices");
one_handler!(charge_get, "charges");
one_handler!(event_get, "events");

/// `GET /v1/{invoices|charges|events}/{id}`.
fn one_object(s: &Sandbox, kind: &str, id: &str, headers: &HeaderMap) -> Response {
    if let Err(reject) = authenticate(s, "stripe", headers) {
        return reject.into_response();
    }
    let now = i64::try_from(s.shared.now()).unwrap_or(0);
    let store = s.crm.stripe();
    let index =
        |prefix: &str| store.seq_of(prefix, id).and_then(|s| usize::try_from(s).ok()).and_then(|s| s.checked_sub(1));
    let found = match kind {
        "invoices" => index("in").and_then(|i| store.invoices.get(i)).map(|x| render::invoice(&store, x)),
        "charges" => index("ch").and_then(|i| store.charges.get(i)).map(|x| render::charge(&store, x)),
        "events" => index("evt")
            .filter(|i| *i >= store.first_retained(now))
            .and_then(|i| store.events.get(i))
            .map(|x| render::event(&store, x)),
        _ => return crate::sandbox::not_found_json("No such sandbox endpoint."),
    };
    let noun = match kind {
        "invoices" => "invoice",
        "charges" => "charge",
        _ => "event",
    };
    match found {
        Some(v) => axum::Json(v).into_response(),
        None => StripeError::missing(noun, id, "id", StatusCode::NOT_FOUND).into_response(),
    }
}

//! `POST /crm/v3/objects/{object}/search`: filter groups (OR of ANDs), one sort (objects
//! `{"propertyName","direction"}` or the spec's strings `"prop"` / `"-prop"`), `after` as an
//! offset, `limit` up to 200, `total`, and HubSpot's 10,000-result paging cap. Sorting or
//! filtering by the last-modified property walks the (modified, id) index, not every record.

use std::cmp::Ordering;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::Value;

use super::errors::HsError;
use super::filter::{Filter, Op, compile_groups};
use super::list::object_of;
use super::render::{json_response, selected, write_record};
use super::schema::{Object, PropRef};
use super::store::{Record, Table};
use crate::sandbox::Sandbox;
use crate::sandbox::api_auth::authenticate;

/// HubSpot's search cannot page past this many results.
pub const MAX_RESULTS: u64 = 10_000;

pub async fn search_post(
    State(s): State<Arc<Sandbox>>,
    Path(object): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if let Err(reject) = authenticate(&s, "hubspot", &headers) {
        return reject.into_response();
    }
    match search(&s, &object, &body) {
        Ok(body) => json_response(StatusCode::OK, body),
        Err(err) => err.into_response(),
    }
}

struct Sort {
    prop: PropRef,
    descending: bool,
}

fn parse_sort(object: Object, body: &Value) -> Result<Option<Sort>, HsError> {
    let Some(first) = body.get("sorts").and_then(Value::as_array).and_then(|a| a.first()) else {
        return Ok(None);
    };
    let (name, descending) = match first {
        Value::String(s) => match s.strip_prefix('-') {
            Some(rest) => (rest.to_owned(), true),
            None => (s.clone(), false),
        },
        Value::Object(o) => {
            let name = o.get("propertyName").and_then(Value::as_str).unwrap_or("").to_owned();
            let dir = o.get("direction").and_then(Value::as_str).unwrap_or("ASCENDING");
            (name, dir.eq_ignore_ascii_case("DESCENDING"))
        }
        _ => return Err(HsError::validation("Invalid input JSON: sorts must be strings or objects")),
    };
    let prop = object.lookup(&name).ok_or_else(|| {
        HsError::validation(format!("There was a problem with the request: unknown sort property '{name}'"))
    })?;
    Ok(Some(Sort { prop, descending }))
}

fn number_field(body: &Value, name: &str) -> Result<Option<u64>, HsError> {
    match body.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => n.as_u64().map(Some).ok_or_else(|| bad_number(name)),
        Some(Value::String(s)) if s.is_empty() => Ok(None),
        Some(Value::String(s)) => s.trim().parse().map(Some).map_err(|_| bad_number(name)),
        Some(_) => Err(bad_number(name)),
    }
}

fn bad_number(name: &str) -> HsError {
    HsError::validation(format!("Invalid input JSON: '{name}' must be a non-negative integer"))
}

fn search(s: &Sandbox, object: &str, raw: &[u8]) -> Result<String, HsError> {
    let object = object_of(object)?;
    let body: Value = serde_json::from_slice(raw).map_err(|e| {
        HsError::validation(format!("Invalid input JSON on line {}, column {}: {e}", e.line(), e.column()))
    })?;
    let limit = number_field(&body, "limit")?.unwrap_or(10);
    if limit > 200 {
        return Err(HsError::validation(format!("Limit must be no more than 200, got {limit}")));
    }
    let after = number_field(&body, "after")?.unwrap_or(0);
    if after >= MAX_RESULTS {
        return Err(HsError::validation(format!(
            "Cannot page beyond {MAX_RESULTS} results: after={after} is out of range. Narrow the search with filters."
        )));
    }
    let groups = compile_groups(object, &body)?;
    let sort = parse_sort(object, &body)?;
    let query = body.get("query").and_then(Value::as_str).map(str::to_lowercase).filter(|q| !q.is_empty());
    let names: Vec<&str> = body
        .get("properties")
        .and_then(Value::as_array)
        .map_or(Vec::new(), |a| a.iter().filter_map(Value::as_str).collect());
    // Search answers always carry the id, creation and modification properties too.
    let mut props = selected(object, names);
    for r in [PropRef::Created, PropRef::Modified, PropRef::ObjectId] {
        if !props.contains(&r) {
            props.push(r);
        }
    }

    let store = s.crm.hubspot();
    let table = store.table(object);
    let keep = |r: &Record| {
        (groups.is_empty() || groups.iter().any(|g| g.iter().all(|f| f.matches(r))))
            && query.as_deref().is_none_or(|q| text_match(object, r, q))
    };
    let (total, page) = if query.is_none() && index_covers(sort.as_ref(), &groups) {
        // The (modified, id) range answers the filters by itself: count it, fetch one page.
        let (lo, hi) = modified_bounds(&groups);
        let range = || table.by_modified.range((lo, 0)..=(hi, u64::MAX));
        let (total, skip) = if lo > hi { (0, 0) } else { (range().count() as u64, after as usize) };
        let descending = sort.as_ref().is_some_and(|s| s.descending);
        let ids: Vec<u64> = match (total, descending) {
            (0, _) => Vec::new(),
            (_, false) => range().skip(skip).take(limit as usize).map(|(_, id)| *id).collect(),
            (_, true) => range().rev().skip(skip).take(limit as usize).map(|(_, id)| *id).collect(),
        };
        (total, ids.iter().filter_map(|id| table.live.get(id)).collect::<Vec<_>>())
    } else {
        let (mut total, mut page) = (0u64, Vec::new());
        for r in candidates(table, object, sort.as_ref(), &groups).filter(|r| keep(r)) {
            if total >= after && total < after + limit {
                page.push(r);
            }
            total += 1;
        }
        (total, page)
    };
    let mut out = String::with_capacity(64 + 400 * page.len());
    out.push_str(&format!("{{\"total\":{total},\"results\":["));
    for (i, r) in page.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        write_record(&mut out, object, r, &props, None);
    }
    out.push(']');
    if after + limit < total && limit > 0 {
        out.push_str(&format!(",\"paging\":{{\"next\":{{\"after\":\"{}\"}}}}", after + limit));
    }
    out.push('}');
    Ok(out)
}

/// Records in the requested order, narrowed by the last-modified index where one filter
/// group bounds it.
fn candidates<'t>(
    table: &'t Table,
    object: Object,
    sort: Option<&Sort>,
    groups: &[Vec<Filter>],
) -> Box<dyn Iterator<Item = &'t Record> + 't> {
    let live = &table.live;
    match sort {
        Some(Sort { prop: PropRef::Modified, descending }) => {
            let (lo, hi) = modified_bounds(groups);
            if lo > hi {
                return Box::new(std::iter::empty());
            }
            let range = table.by_modified.range((lo, 0)..=(hi, u64::MAX)).filter_map(move |(_, id)| live.get(id));
            if *descending { Box::new(range.rev()) } else { Box::new(range) }
        }
        None | Some(Sort { prop: PropRef::ObjectId | PropRef::Created, descending: false }) => Box::new(live.values()),
        Some(Sort { prop: PropRef::ObjectId | PropRef::Created, descending: true }) => Box::new(live.values().rev()),
        Some(Sort { prop: PropRef::Stored(i), descending }) => {
            let numeric = object.props()[*i].kind == super::schema::Kind::Number;
            let mut all: Vec<&Record> = live.values().collect();
            all.sort_by(|a, b| {
                let o = compare_values(a.value(*i), b.value(*i), numeric);
                if *descending { o.reverse() } else { o }
            });
            Box::new(all.into_iter())
        }
    }
}

/// Missing values sort last, numbers numerically, text case-insensitively.
fn compare_values(a: Option<&str>, b: Option<&str>, numeric: bool) -> Ordering {
    match (a, b) {
        (None, None) => Ordering::Equal,
        (None, Some(_)) => Ordering::Greater,
        (Some(_), None) => Ordering::Less,
        (Some(x), Some(y)) if numeric => {
            x.parse::<f64>().unwrap_or(0.0).partial_cmp(&y.parse::<f64>().unwrap_or(0.0)).unwrap_or(Ordering::Equal)
        }
        (Some(x), Some(y)) => x.to_lowercase().cmp(&y.to_lowercase()),
    }
}

/// Whether the last-modified index alone answers the search: sorted by it, and at most one
/// filter group whose filters are all ranges on it.
fn index_covers(sort: Option<&Sort>, groups: &[Vec<Filter>]) -> bool {
    let ranged = |f: &Filter| {
        f.prop == PropRef::Modified && f.time.is_some() && matches!(f.op, Op::Gte | Op::Gt | Op::Lte | Op::Lt | Op::Eq)
    };
    sort.is_some_and(|s| s.prop == PropRef::Modified) && groups.len() <= 1 && groups.iter().flatten().all(ranged)
}

/// The tightest (low, high) last-modified range one filter group implies.
fn modified_bounds(groups: &[Vec<Filter>]) -> (i64, i64) {
    let (mut lo, mut hi) = (i64::MIN, i64::MAX);
    let [group] = groups else { return (lo, hi) };
    for f in group.iter().filter(|f| f.prop == PropRef::Modified) {
        let Some(v) = f.time else { continue };
        match f.op {
            Op::Gte => lo = lo.max(v),
            Op::Gt => lo = lo.max(v.saturating_add(1)),
            Op::Lte => hi = hi.min(v),
            Op::Lt => hi = hi.min(v.saturating_sub(1)),
            Op::Eq => {
                lo = lo.max(v);
                hi = hi.min(v);
            }
            _ => {}
        }
    }
    (lo, hi)
}

/// The free-text `query`: a prefix of a word in the object's name or email fields.
fn text_match(object: Object, r: &Record, q: &str) -> bool {
    let fields: &[usize] = match object {
        Object::Contacts => &[0, 1, 2],
        Object::Companies => &[0, 1],
        Object::Deals => &[0],
    };
    fields.iter().filter_map(|i| r.value(*i)).any(|v| v.to_lowercase().contains(q))
}

//! `GET /crm/v3/objects/{object}`: pages by id with `after` (the next id), `limit` 1..=100
//! (default 10), `properties`, `archived`; `paging.next` is absent on the last page.

use std::sync::Arc;

use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};

use super::errors::HsError;
use super::render::{json_response, selected, write_record};
use super::schema::Object;
use crate::sandbox::Sandbox;
use crate::sandbox::api_auth::authenticate;

pub fn object_of(name: &str) -> Result<Object, HsError> {
    Object::parse(name).ok_or_else(|| HsError::validation(format!("Unable to infer object type from: {name}")))
}

pub fn pairs(query: Option<&str>) -> Vec<(String, String)> {
    url::form_urlencoded::parse(query.unwrap_or("").as_bytes()).into_owned().collect()
}

fn int_param(pairs: &[(String, String)], name: &str) -> Result<Option<u64>, HsError> {
    match pairs.iter().find(|(k, _)| k == name) {
        None => Ok(None),
        Some((_, v)) => v.trim().parse().map(Some).map_err(|_| {
            HsError::validation(format!("Invalid input: query parameter '{name}' must be an integer, got '{v}'"))
        }),
    }
}

pub async fn list_get(
    State(s): State<Arc<Sandbox>>,
    Path(object): Path<String>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    if let Err(reject) = authenticate(&s, "hubspot", &headers) {
        return reject.into_response();
    }
    match list(&s, &object, &headers, query.as_deref()) {
        Ok(body) => json_response(StatusCode::OK, body),
        Err(err) => err.into_response(),
    }
}

fn list(s: &Sandbox, object: &str, headers: &HeaderMap, query: Option<&str>) -> Result<String, HsError> {
    let object = object_of(object)?;
    let pairs = pairs(query);
    let limit = int_param(&pairs, "limit")?.unwrap_or(10);
    if !(1..=100).contains(&limit) {
        return Err(HsError::validation(format!("limit must be between 1 and 100, got {limit}")));
    }
    let after = int_param(&pairs, "after")?.unwrap_or(0);
    let archived = pairs.iter().any(|(k, v)| k == "archived" && v.eq_ignore_ascii_case("true"));
    let props = selected(object, pairs.iter().filter(|(k, _)| k == "properties").map(|(_, v)| v.as_str()));
    let link_base = format!("{}/hubspot/crm/v3/objects/{}", crate::sandbox::base_url(headers), object.name());

    let store = s.crm.hubspot();
    let table = store.table(object);
    let map = if archived { &table.archived } else { &table.live };
    let mut out = String::with_capacity(64 + 400 * limit as usize);
    out.push_str("{\"results\":[");
    let mut next = None;
    for (i, (_, record)) in map.range(after..).enumerate() {
        if i as u64 == limit {
            next = Some(record.id);
            break;
        }
        if i > 0 {
            out.push(',');
        }
        write_record(&mut out, object, record, &props, None);
    }
    out.push(']');
    if let Some(n) = next {
        out.push_str(&format!(",\"paging\":{{\"next\":{{\"after\":\"{n}\",\"link\":"));
        crate::sandbox::data::json::push_str(&mut out, &format!("{link_base}?limit={limit}&after={n}"));
        out.push_str("}}");
    }
    out.push('}');
    Ok(out)
}

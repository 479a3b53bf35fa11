//! Records as HubSpot's `SimplePublicObject` JSON, written straight into a string. A requested
//! property with no value is `null`, as the live API answers (the published spec says string;
//! see the provider-specs README, gotcha 6).

use super::schema::{Object, PropRef};
use super::store::Record;
use crate::sandbox::data::json::{iso_ms, push_key, push_str};

/// The properties a read asked for (`properties=a,b` possibly repeated); unknown names are
/// ignored, as HubSpot does; none at all gives the object's defaults.
pub fn selected<'a>(object: Object, names: impl IntoIterator<Item = &'a str>) -> Vec<PropRef> {
    let mut refs = Vec::new();
    let mut any = false;
    for name in names.into_iter().flat_map(|n| n.split(',')).map(str::trim).filter(|n| !n.is_empty()) {
        any = true;
        if let Some(r) = object.lookup(name)
            && !refs.contains(&r)
        {
            refs.push(r);
        }
    }
    if any { refs } else { object.defaults() }
}

/// Appends one record; `new` is set for upsert results.
pub fn write_record(out: &mut String, object: Object, r: &Record, props: &[PropRef], new: Option<bool>) {
    out.push_str("{\"id\":");
    push_str(out, &r.id.to_string());
    out.push_str(",\"properties\":{");
    for (i, p) in props.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        push_key(out, object.ref_name(*p));
        match r.get(*p) {
            Some(v) => push_str(out, &v),
            None => out.push_str("null"),
        }
    }
    out.push_str("},\"createdAt\":");
    push_str(out, &iso_ms(r.created));
    out.push_str(",\"updatedAt\":");
    push_str(out, &iso_ms(r.updated));
    match r.archived_at {
        Some(at) => {
            out.push_str(",\"archived\":true,\"archivedAt\":");
            push_str(out, &iso_ms(at));
        }
        None => out.push_str(",\"archived\":false"),
    }
    if let Some(new) = new {
        out.push_str(if new { ",\"new\":true" } else { ",\"new\":false" });
    }
    out.push('}');
}

/// Only the properties that have a value, plus the computed ones: what writes echo back.
pub fn written_props(object: Object, r: &Record) -> Vec<PropRef> {
    object.all_refs().into_iter().filter(|p| r.get(*p).is_some()).collect()
}

pub fn json_response(status: axum::http::StatusCode, body: String) -> axum::response::Response {
    use axum::response::IntoResponse;
    (status, [(axum::http::header::CONTENT_TYPE, "application/json;charset=utf-8")], body).into_response()
}

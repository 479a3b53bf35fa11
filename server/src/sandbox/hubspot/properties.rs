//! `GET /crm/v3/properties/{object}`: the property definitions the stand-in models, in the
//! Properties API's shape (what Hitch's mapping editor lists).

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::list::object_of;
use super::schema::{Kind, Object, Prop};
use crate::sandbox::Sandbox;
use crate::sandbox::api_auth::authenticate;

/// When the modelled properties were "created" (fixed, so answers are stable).
const DEFINED_AT: &str = "2019-08-06T02:43:01.211Z";

pub async fn properties_get(State(s): State<Arc<Sandbox>>, Path(object): Path<String>, headers: HeaderMap) -> Response {
    if let Err(reject) = authenticate(&s, "hubspot", &headers) {
        return reject.into_response();
    }
    match object_of(&object) {
        Ok(object) => Json(json!({"results": definitions(object)})).into_response(),
        Err(err) => err.into_response(),
    }
}

fn definitions(object: Object) -> Vec<Value> {
    let group = object.props().first().map_or("", |p| p.group);
    let mut out: Vec<Value> = object.props().iter().enumerate().map(|(i, p)| stored(p, i)).collect();
    let n = out.len();
    out.push(computed("createdate", "Create Date", "datetime", "date", group, n, "When the record was created."));
    out.push(computed(
        object.modified_name(),
        "Last Modified Date",
        "datetime",
        "date",
        group,
        n + 1,
        "Most recent timestamp of any property update for this record.",
    ));
    out.push(computed("hs_object_id", "Record ID", "number", "number", group, n + 2, "The unique ID for this record."));
    out
}

fn stored(p: &Prop, order: usize) -> Value {
    let (type_, field_type, options) = match p.kind {
        Kind::Text => ("string", "text", vec![]),
        Kind::Email => ("string", "text", vec![]),
        Kind::Phone => ("string", "phonenumber", vec![]),
        Kind::Number => ("number", "number", vec![]),
        Kind::DateTime => ("datetime", "date", vec![]),
        Kind::Enum(opts) => (
            "enumeration",
            "select",
            opts.iter()
                .enumerate()
                .map(|(i, (value, label))| {
                    json!({"label": label, "value": value, "displayOrder": i, "hidden": false, "description": ""})
                })
                .collect(),
        ),
    };
    json!({
        "name": p.name,
        "label": p.label,
        "type": type_,
        "fieldType": field_type,
        "description": p.description,
        "groupName": p.group,
        "options": options,
        "displayOrder": order,
        "calculated": false,
        "externalOptions": false,
        "hasUniqueValue": p.name == "email",
        "hidden": false,
        "hubspotDefined": true,
        "formField": true,
        "archived": false,
        "createdAt": DEFINED_AT,
        "updatedAt": DEFINED_AT,
        "modificationMetadata": {"archivable": false, "readOnlyDefinition": true, "readOnlyValue": false},
    })
}

fn computed(name: &str, label: &str, type_: &str, field: &str, group: &str, order: usize, description: &str) -> Value {
    json!({
        "name": name,
        "label": label,
        "type": type_,
        "fieldType": field,
        "description": description,
        "groupName": group,
        "options": [],
        "displayOrder": order,
        "calculated": false,
        "externalOptions": false,
        "hasUniqueValue": name == "hs_object_id",
        "hidden": false,
        "hubspotDefined": true,
        "formField": false,
        "archived": false,
        "createdAt": DEFINED_AT,
        "updatedAt": DEFINED_AT,
        "modificationMetadata": {"archivable": false, "readOnlyDefinition": true, "readOnlyValue": true},
    })
}

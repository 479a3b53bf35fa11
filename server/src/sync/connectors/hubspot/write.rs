//! Writing HubSpot objects through the batch endpoints. Every input carries an
//! `objectWriteTraceId` (its position) so results and errors map back to their records even
//! when HubSpot answers out of order or with a 207 of mixed outcomes.

use std::collections::HashMap;

use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::super::auth::ConnectionAuth;
use super::super::calls;
use super::read::error;
use crate::sync::connector::{SyncError, WriteOp, WriteOutcome};

/// HubSpot property values are text.
fn properties(fields: &Map<String, Value>) -> Map<String, Value> {
    fields
        .iter()
        .filter(|(k, _)| k.as_str() != "hs_object_id")
        .map(|(k, v)| {
            let text = match v {
                Value::Null => String::new(),
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            (k.clone(), Value::String(text))
        })
        .collect()
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct BatchReply {
    #[serde(default)]
    results: Vec<ResultObject>,
    #[serde(default)]
    errors: Vec<BatchError>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ResultObject {
    id: String,
    #[serde(default)]
    object_write_trace_id: Option<String>,
    #[serde(default)]
    new: Option<bool>,
    #[serde(default)]
    properties: Map<String, Value>,
}

#[derive(Deserialize)]
struct BatchError {
    message: String,
    #[serde(default)]
    context: HashMap<String, Vec<String>>,
}

enum Kind {
    Create,
    Update,
    Upsert(String),
    Archive,
}

pub async fn batch(auth: &ConnectionAuth, object: &str, ops: &[WriteOp]) -> Result<Vec<WriteOutcome>, SyncError> {
    let mut outcomes: Vec<Option<WriteOutcome>> = vec![None; ops.len()];
    let mut groups: Vec<(Kind, Vec<(usize, Value)>)> = Vec::new();
    let push = |kind: Kind, index: usize, input: Value, groups: &mut Vec<(Kind, Vec<(usize, Value)>)>| {
        let same = groups.iter_mut().find(|(k, _)| match (k, &kind) {
            (Kind::Create, Kind::Create) | (Kind::Update, Kind::Update) | (Kind::Archive, Kind::Archive) => true,
            (Kind::Upsert(a), Kind::Upsert(b)) => a == b,
            _ => false,
        });
        match same {
            Some((_, inputs)) => inputs.push((index, input)),
            None => groups.push((kind, vec![(index, input)])),
        }
    };
    for (i, op) in ops.iter().enumerate() {
        let trace = i.to_string();
        match op {
            WriteOp::Create { fields, .. } => push(
                Kind::Create,
                i,
                json!({"properties": properties(fields), "associations": [], "objectWriteTraceId": trace}),
                &mut groups,
            ),
            WriteOp::Update { id, fields } => push(
                Kind::Update,
                i,
                json!({"id": id, "properties": properties(fields), "objectWriteTraceId": trace}),
                &mut groups,
            ),
            WriteOp::Upsert { key, fields } => {
                let Some(value) = fields
                    .get(key)
                    .and_then(|v| v.as_str().map(str::to_owned).or_else(|| (!v.is_null()).then(|| v.to_string())))
                else {
                    outcomes[i] = Some(WriteOutcome::Failed(SyncError::Permanent {
                        message: format!("no value for the upsert key {key:?}"),
                        fields: vec![(key.clone(), "required to find the HubSpot record".into())],
                    }));
                    continue;
                };
                let input = json!({"idProperty": key, "id": value, "properties": properties(fields), "objectWriteTraceId": trace});
                push(Kind::Upsert(key.clone()), i, input, &mut groups)
            }
            WriteOp::Archive { id } | WriteOp::Delete { id } => push(Kind::Archive, i, json!({"id": id}), &mut groups),
        }
    }
    for (kind, inputs) in groups {
        let endpoint = match &kind {
            Kind::Create => "create",
            Kind::Update => "update",
            Kind::Upsert(_) => "upsert",
            Kind::Archive => "archive",
        };
        let body = json!({"inputs": inputs.iter().map(|(_, v)| v.clone()).collect::<Vec<_>>()});
        let path = format!("/crm/v3/objects/{object}/batch/{endpoint}");
        let reply = calls::send(auth, |http, base| http.post(format!("{base}{path}")).json(&body)).await?;
        if matches!(kind, Kind::Archive) {
            if reply.status != 204 && reply.status != 200 {
                return Err(error(&reply));
            }
            for (i, input) in &inputs {
                let id = input["id"].as_str().unwrap_or_default().to_owned();
                outcomes[*i] = Some(WriteOutcome::Done { id, created: false });
            }
            continue;
        }
        if !matches!(reply.status, 200 | 201 | 207) {
            return Err(error(&reply));
        }
        let parsed: BatchReply = calls::json("HubSpot", &reply)?;
        apply_results(&kind, &inputs, parsed, &mut outcomes);
    }
    Ok(outcomes
        .into_iter()
        .map(|o| {
            o.unwrap_or_else(|| WriteOutcome::Failed(SyncError::permanent("HubSpot did not report on this record")))
        })
        .collect())
}

/// Maps results and errors back to the operations they belong to.
fn apply_results(kind: &Kind, inputs: &[(usize, Value)], reply: BatchReply, outcomes: &mut [Option<WriteOutcome>]) {
    let position = |trace: Option<&str>, result: &ResultObject| -> Option<usize> {
        if let Some(i) = trace.and_then(|t| t.parse::<usize>().ok()) {
            return Some(i);
        }
        inputs
            .iter()
            .find(|(_, input)| match kind {
                Kind::Update => input["id"] == result.id,
                Kind::Upsert(key) => {
                    let wanted = input["id"].as_str().unwrap_or_default().to_lowercase();
                    result.properties.get(key).and_then(Value::as_str).is_some_and(|v| v.to_lowercase() == wanted)
                }
                _ => false,
            })
            .map(|(i, _)| *i)
    };
    for result in &reply.results {
        if let Some(i) = position(result.object_write_trace_id.as_deref(), result) {
            let created = match kind {
                Kind::Create => true,
                Kind::Upsert(_) => result.new.unwrap_or(false),
                _ => false,
            };
            outcomes[i] = Some(WriteOutcome::Done { id: result.id.clone(), created });
        }
    }
    let mut unplaced: Option<String> = None;
    for err in reply.errors {
        let mut targets: Vec<usize> = err
            .context
            .get("objectWriteTraceId")
            .into_iter()
            .flatten()
            .filter_map(|t| t.parse::<usize>().ok())
            .collect();
        if targets.is_empty() {
            let ids: Vec<&String> = err.context.get("id").into_iter().flatten().collect();
            targets =
                inputs.iter().filter(|(_, input)| ids.iter().any(|id| input["id"] == ***id)).map(|(i, _)| *i).collect();
        }
        let fields: Vec<(String, String)> =
            err.context.get("propertyName").into_iter().flatten().map(|p| (p.clone(), err.message.clone())).collect();
        if targets.is_empty() {
            unplaced.get_or_insert_with(|| err.message.clone());
        }
        for i in targets {
            outcomes[i] = Some(WriteOutcome::Failed(SyncError::Permanent {
                message: format!("HubSpot: {}", err.message),
                fields: fields.clone(),
            }));
        }
    }
    // An error that names no record belongs to the inputs of this group nobody reported on.
    if let Some(message) = unplaced {
        for (i, _) in inputs {
            if outcomes[*i].is_none() {
                outcomes[*i] = Some(WriteOutcome::Failed(SyncError::permanent(format!("HubSpot: {message}"))));
            }
        }
    }
}

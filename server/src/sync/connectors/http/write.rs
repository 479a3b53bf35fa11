//! Writing: one request per operation, in order (or one request for a run of creates when
//! the API takes arrays). A refused record is that record's failure; a failure that is not
//! about the record (rate limit, 5xx, credentials, network) stops the batch there, since the
//! next requests would meet the same.

use reqwest::header::HeaderMap;
use serde_json::Value;

use super::HttpConnector;
use super::config::{HttpObjectConfig, HttpWriteConfig, lookup, scalar_text};
use super::errors::{status_error, transport};
use crate::sync::connector::{SyncError, WriteOp, WriteOutcome};

struct Answer {
    status: u16,
    headers: HeaderMap,
    body: String,
}

impl Answer {
    fn ok(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// The id the API gave the record: in the body (at the id field, or under `data`), or the
    /// last segment of the Location header.
    fn id(&self, id_field: &str) -> Option<String> {
        let json: Value = serde_json::from_str(&self.body).unwrap_or(Value::Null);
        lookup(&json, id_field)
            .or_else(|| json.get("data").and_then(|d| lookup(d, id_field)))
            .and_then(scalar_text)
            .or_else(|| {
                let location = self.headers.get(reqwest::header::LOCATION)?.to_str().ok()?;
                let last = location.trim_end_matches('/').rsplit('/').next()?;
                (!last.is_empty()).then(|| last.to_owned())
            })
    }
}

fn method(name: &str) -> reqwest::Method {
    // Validated when the connector was built.
    reqwest::Method::from_bytes(name.as_bytes()).unwrap_or(reqwest::Method::POST)
}

impl HttpConnector {
    async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
        idempotency_key: Option<&str>,
    ) -> Result<Answer, SyncError> {
        let mut req = self.request(method, self.url(path)?).header("accept", "application/json");
        if let Some(body) = body {
            req = req.json(&body);
        }
        if let Some(key) = idempotency_key.filter(|k| !k.is_empty()) {
            req = req.header("idempotency-key", key);
        }
        let resp = req.send().await.map_err(|e| transport(&e))?;
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let body = resp.text().await.map_err(|e| transport(&e))?;
        Ok(Answer { status, headers, body })
    }

    pub(super) async fn write(&self, cfg: &HttpObjectConfig, ops: &[WriteOp]) -> Result<Vec<WriteOutcome>, SyncError> {
        let Some(w) = &cfg.write else {
            return Err(SyncError::permanent(format!(
                "object {} is read-only: its configuration has no write section",
                cfg.name
            )));
        };
        let mut outcomes: Vec<WriteOutcome> = Vec::with_capacity(ops.len());
        let mut i = 0;
        while i < ops.len() {
            let run = if w.batch {
                ops.get(i..).map_or(0, |rest| rest.iter().take_while(|o| matches!(o, WriteOp::Create { .. })).count())
            } else {
                0
            };
            let done = if run > 0 {
                self.create_many(cfg, w, ops.get(i..i + run).unwrap_or_default()).await
            } else {
                match ops.get(i) {
                    Some(op) => self.one(cfg, w, op).await.map(|o| vec![o]),
                    None => break,
                }
            };
            match done {
                Ok(mut o) => {
                    i += o.len();
                    outcomes.append(&mut o);
                }
                // Nothing written yet: the whole batch failed, and can be retried as a whole.
                Err(e) if outcomes.is_empty() => return Err(e),
                // Some records are written: say so, and fail the rest with the reason.
                Err(e) => {
                    outcomes.extend(std::iter::repeat_n(WriteOutcome::Failed(e), ops.len() - i));
                    break;
                }
            }
        }
        Ok(outcomes)
    }

    /// One operation. `Err` for failures that are not the record's (stop the batch), a
    /// `Failed` outcome for a refused record.
    async fn one(&self, cfg: &HttpObjectConfig, w: &HttpWriteConfig, op: &WriteOp) -> Result<WriteOutcome, SyncError> {
        let (answer, id, created) = match op {
            WriteOp::Create { fields, idempotency_key } => {
                let body = Some(Value::Object(fields.clone()));
                let a = self.send(method(&w.method), cfg.create_path(), body, Some(idempotency_key)).await?;
                (a, None, true)
            }
            WriteOp::Update { id, fields } => {
                let body = Some(Value::Object(fields.clone()));
                let a = self.send(method(&w.update_method), &cfg.record_path(id, false), body, None).await?;
                if a.status == 404 {
                    return Ok(WriteOutcome::Failed(SyncError::permanent(format!("the API has no record {id}"))));
                }
                (a, Some(id.clone()), false)
            }
            WriteOp::Upsert { key, fields } => {
                if key != &cfg.id_field {
                    return Ok(WriteOutcome::Failed(SyncError::Permanent {
                        message: format!(
                            "this API is upserted by its id field ({}) with {} to the record's URL, not by {key}",
                            cfg.id_field, w.update_method
                        ),
                        fields: vec![(key.clone(), "not the id field".into())],
                    }));
                }
                let Some(id) = fields.get(key).and_then(scalar_text) else {
                    return Ok(WriteOutcome::Failed(SyncError::Permanent {
                        message: format!("the record has no value for the key {key}"),
                        fields: vec![(key.clone(), "a value is required".into())],
                    }));
                };
                let body = Some(Value::Object(fields.clone()));
                let a = self.send(method(&w.update_method), &cfg.record_path(&id, false), body, None).await?;
                // 201 Created: the PUT made the record.
                let created = a.status == 201;
                (a, Some(id), created)
            }
            WriteOp::Delete { id } => {
                let a = self.send(reqwest::Method::DELETE, &cfg.record_path(id, true), None, None).await?;
                // Already gone is done: a retried batch must not fail on it.
                if a.status == 404 || a.status == 410 {
                    return Ok(WriteOutcome::Done { id: id.clone(), created: false });
                }
                (a, Some(id.clone()), false)
            }
            WriteOp::Archive { .. } => {
                return Ok(WriteOutcome::Failed(SyncError::permanent(
                    "a generic HTTP API has no archive operation; use delete, or update a status field",
                )));
            }
        };
        if !answer.ok() {
            return match status_error(answer.status, &answer.headers, &answer.body, true) {
                e @ SyncError::Permanent { .. } => Ok(WriteOutcome::Failed(e)),
                e => Err(e),
            };
        }
        let id = answer.id(&cfg.id_field).or(id).unwrap_or_default();
        Ok(WriteOutcome::Done { id, created })
    }

    /// A run of creates as one request with an array body; the answer is the created
    /// records, in order (at `records_path`, or the body itself).
    async fn create_many(
        &self,
        cfg: &HttpObjectConfig,
        w: &HttpWriteConfig,
        ops: &[WriteOp],
    ) -> Result<Vec<WriteOutcome>, SyncError> {
        let bodies: Vec<Value> = ops
            .iter()
            .filter_map(|o| match o {
                WriteOp::Create { fields, .. } => Some(Value::Object(fields.clone())),
                _ => None,
            })
            .collect();
        let a = self.send(method(&w.method), cfg.create_path(), Some(Value::Array(bodies)), None).await?;
        if !a.ok() {
            return match status_error(a.status, &a.headers, &a.body, true) {
                // The API refused the array: which record it minded is unknown, so all fail.
                e @ SyncError::Permanent { .. } => Ok(vec![WriteOutcome::Failed(e); ops.len()]),
                e => Err(e),
            };
        }
        let json: Value = serde_json::from_str(&a.body).unwrap_or(Value::Null);
        let created = match json {
            Value::Array(items) => items,
            other => match lookup(&other, &cfg.records_path) {
                Some(Value::Array(items)) => items.clone(),
                _ => Vec::new(),
            },
        };
        Ok((0..ops.len())
            .map(|i| {
                let id =
                    created.get(i).and_then(|r| lookup(r, &cfg.id_field)).and_then(scalar_text).unwrap_or_default();
                WriteOutcome::Done { id, created: true }
            })
            .collect())
    }
}

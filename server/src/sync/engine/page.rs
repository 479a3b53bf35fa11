//! One page of a run: map each record, skip what is unchanged (the identity map's hashes),
//! write the rest in batches, and record what happened to each record.

use std::collections::HashMap;
use std::sync::Arc;

use serde_json::Value;
use sha2::{Digest, Sha256};

use super::retry::retry;
use super::{Run, RunFailure};
use crate::storage::{Link, NewRecordError};
use crate::sync::connector::{Page, ReadMode, Record, SyncError, WriteOp, WriteOutcome};
use crate::sync::mapping::{content_hash, redact};

/// The `_id` field every record gets before mapping: the source system's id, so a mapping
/// can carry it into the destination (a key column, a HubSpot property).
pub const SOURCE_ID_FIELD: &str = "_id";

/// A write waiting for its outcome, with what is needed to record it.
struct Pending {
    source_id: String,
    hash: String,
    payload: serde_json::Map<String, Value>,
    /// A delete or archive: on success the link goes away.
    removal: bool,
}

/// Same source record and same content give the same key, so a resumed run's create is the
/// one the provider has already seen.
fn idempotency_key(recipe_id: &str, source_id: &str, hash: &str) -> String {
    let digest = Sha256::digest(format!("{recipe_id}:{source_id}:{hash}").as_bytes());
    format!("hitch-{}", hex::encode(&digest[..16]))
}

fn record_error(
    source_id: &str,
    stage: &'static str,
    err: &SyncError,
    payload: &serde_json::Map<String, Value>,
) -> NewRecordError {
    let mut message = err.to_string();
    if let SyncError::Permanent { fields, .. } = err
        && !fields.is_empty()
    {
        let detail: Vec<String> =
            fields.iter().map(|(f, m)| if m == &message { f.clone() } else { format!("{f}: {m}") }).collect();
        message = format!("{message} (fields: {})", detail.join("; "));
    }
    NewRecordError {
        source_id: source_id.to_owned(),
        stage,
        kind: err.kind().to_owned(),
        message,
        payload: serde_json::to_string(&redact(payload)).unwrap_or_default(),
    }
}

impl Run<'_> {
    pub(super) async fn process_page(&mut self, records: Vec<Record>) -> Result<(), RunFailure> {
        let scope = self.state.store.tenant(&self.tenant_id);
        let ids: Vec<&str> = records.iter().map(|r| r.id.as_str()).collect();
        let links: HashMap<String, Link> = scope.links(&self.recipe.id, &ids).await?;
        let mut ops: Vec<WriteOp> = Vec::new();
        let mut pending: Vec<Pending> = Vec::new();
        let mut errors: Vec<NewRecordError> = Vec::new();
        for record in records {
            self.counts.read += 1;
            let link = links.get(&record.id);
            if record.deleted {
                let op = match (self.recipe.delete_policy.as_str(), link) {
                    ("propagate", Some(l)) => WriteOp::Delete { id: l.destination_id.clone() },
                    ("archive", Some(l)) => WriteOp::Archive { id: l.destination_id.clone() },
                    _ => {
                        self.counts.skipped += 1;
                        continue;
                    }
                };
                ops.push(op);
                pending.push(Pending {
                    source_id: record.id,
                    hash: String::new(),
                    payload: record.fields,
                    removal: true,
                });
                continue;
            }
            let mut fields = record.fields;
            fields.insert(SOURCE_ID_FIELD.into(), Value::String(record.id.clone()));
            match self.mapping.apply(&fields) {
                Ok(None) => self.counts.skipped += 1,
                Err(problems) => {
                    self.counts.failed += 1;
                    let message = problems.iter().map(ToString::to_string).collect::<Vec<_>>().join("; ");
                    errors.push(record_error(&record.id, "mapping", &SyncError::permanent(message), &fields));
                }
                Ok(Some(mapped)) => {
                    let hash = content_hash(&mapped);
                    if link.is_some_and(|l| l.content_hash == hash) {
                        self.counts.unchanged += 1;
                        continue;
                    }
                    let op = if !self.recipe.upsert_key.is_empty() {
                        WriteOp::Upsert { key: self.recipe.upsert_key.clone(), fields: mapped }
                    } else if let Some(l) = link {
                        WriteOp::Update { id: l.destination_id.clone(), fields: mapped }
                    } else {
                        WriteOp::Create {
                            fields: mapped,
                            idempotency_key: idempotency_key(&self.recipe.id, &record.id, &hash),
                        }
                    };
                    ops.push(op);
                    pending.push(Pending { source_id: record.id, hash, payload: fields, removal: false });
                }
            }
        }
        let (mut saved, mut removed, mut succeeded) = (Vec::new(), Vec::new(), Vec::new());
        let size = self.destination.max_batch().max(1);
        for (chunk_ops, chunk_pending) in ops.chunks(size).zip(pending.chunks(size)) {
            let outcomes = self.write(chunk_ops).await?;
            for (outcome, p) in outcomes.into_iter().zip(chunk_pending) {
                match outcome {
                    WriteOutcome::Done { id, created } => {
                        if p.removal {
                            self.counts.deleted += 1;
                            removed.push(p.source_id.clone());
                        } else {
                            if created {
                                self.counts.created += 1;
                            } else {
                                self.counts.updated += 1;
                            }
                            saved.push((p.source_id.clone(), id, p.hash.clone()));
                        }
                        succeeded.push(p.source_id.clone());
                    }
                    WriteOutcome::Failed(err) => {
                        self.counts.failed += 1;
                        errors.push(record_error(&p.source_id, "write", &err, &p.payload));
                    }
                }
            }
        }
        // The destination has these records now: remember them before anything else, so a
        // crash from here on re-reads them as unchanged.
        scope.save_links(&self.recipe.id, &saved).await?;
        scope.delete_links(&self.recipe.id, &removed).await?;
        scope.add_record_errors(&self.recipe.id, &self.run_id, &errors).await?;
        if self.had_open_errors && !succeeded.is_empty() {
            scope.resolve_record_errors(&self.recipe.id, &succeeded).await?;
        }
        Ok(())
    }

    /// One batch, retried politely; a batch refused as a whole is retried record by record
    /// so one bad record cannot sink the others.
    async fn write(&mut self, ops: &[WriteOp]) -> Result<Vec<WriteOutcome>, RunFailure> {
        let object = self.recipe.destination_object.clone();
        match self.with_retry("writing", || self.destination.write_batch(&object, ops)).await {
            Ok(outcomes) if outcomes.len() == ops.len() => Ok(outcomes),
            Ok(outcomes) => Err(RunFailure::Sync(SyncError::permanent(format!(
                "the destination answered {} results for {} records",
                outcomes.len(),
                ops.len()
            )))),
            Err(SyncError::Permanent { .. }) if ops.len() > 1 => {
                let mut out = Vec::with_capacity(ops.len());
                for op in ops {
                    let one = std::slice::from_ref(op);
                    match self.with_retry("writing", || self.destination.write_batch(&object, one)).await {
                        Ok(mut o) if o.len() == 1 => out.push(o.remove(0)),
                        Ok(_) => out.push(WriteOutcome::Failed(SyncError::permanent("the destination gave no result"))),
                        Err(err @ SyncError::Permanent { .. }) => out.push(WriteOutcome::Failed(err)),
                        Err(err) => return Err(RunFailure::Sync(err)),
                    }
                }
                Ok(out)
            }
            Err(SyncError::Permanent { message, fields }) => {
                Ok(vec![WriteOutcome::Failed(SyncError::Permanent { message, fields })])
            }
            Err(err) => Err(RunFailure::Sync(err)),
        }
    }

    /// A provider call under the retry policy, logging each wait in the run's log.
    pub(super) async fn with_retry<T, F, Fut>(&self, what: &str, call: F) -> Result<T, SyncError>
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = Result<T, SyncError>>,
    {
        let mut waits = Vec::new();
        let result = retry(call, |err, wait| waits.push(wait_line(what, err, wait))).await;
        self.log_waits(waits).await;
        result
    }

    /// Reading one page under the retry policy, as a future that owns what it needs, so the
    /// next page can be read while this one is written. The waits come back with the page,
    /// for [`Run::log_waits`].
    pub(super) fn read_page(
        &self,
        object: &str,
        mode: &ReadMode,
        token: Option<String>,
    ) -> impl std::future::Future<Output = (Result<Page, SyncError>, Vec<String>)> + Send + 'static {
        let (source, object, mode) = (Arc::clone(&self.source), object.to_owned(), mode.clone());
        async move {
            let mut waits = Vec::new();
            let result = retry(
                || source.read_page(&object, &mode, token.as_deref()),
                |err, wait| waits.push(wait_line("reading", err, wait)),
            )
            .await;
            (result, waits)
        }
    }

    pub(super) async fn log_waits(&self, waits: Vec<String>) {
        let scope = self.state.store.tenant(&self.tenant_id);
        for line in waits {
            let _ = scope.run_log(&self.run_id, "warn", &line).await;
        }
    }
}

fn wait_line(what: &str, err: &SyncError, wait: std::time::Duration) -> String {
    format!("{what}: {err}; trying again in {:.1} s", wait.as_secs_f64())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn idempotency_keys_are_stable_and_distinct() {
        assert_eq!(idempotency_key("r", "s", "h"), idempotency_key("r", "s", "h"));
        assert_ne!(idempotency_key("r", "s", "h"), idempotency_key("r", "s", "h2"));
        assert_ne!(idempotency_key("r", "s1", "h"), idempotency_key("r", "s2", "h"));
    }
}

//! Recipes as the UI and API handle them: checked against both systems' actual objects and
//! fields when saved, previewed on real records without writing, and started as runs.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::connector::{FieldKind, FieldSpec, ObjectSpec, ReadMode};
use super::connectors;
use super::engine::SOURCE_ID_FIELD;
use super::mapping::{Mapping, Schema};
use crate::state::AppState;
use crate::storage::{Connection, ConnectionStatus, Recipe, RecipeInput, StoreError, TenantId};

/// A recipe as submitted (API body or parsed form).
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RecipeSpec {
    pub name: String,
    pub source_connection_id: String,
    pub source_object: String,
    pub destination_connection_id: String,
    pub destination_object: String,
    /// Field mapping and filter: `{"rules":[{"target":…,"source":{"field"|"constant"|"template":…},"transforms":[…],"default":…}],"filter":{…}}`.
    #[schema(value_type = Object)]
    pub mapping: Mapping,
    /// "incremental" or "full"
    #[serde(default = "incremental")]
    pub mode: String,
    /// "ignore", "propagate" or "archive"
    #[serde(default = "ignore")]
    pub delete_policy: String,
    /// Destination field that identifies a record (upsert); empty = create and update.
    #[serde(default)]
    pub upsert_key: String,
    #[serde(default = "yes")]
    pub enabled: bool,
    /// What starts it: `{"kind":"manual"}` (default), `{"kind":"cron","expression":"0 0 * * *","time_zone":"Europe/Berlin"}`,
    /// `{"kind":"interval","every_secs":300}` or `{"kind":"webhook"}`.
    #[serde(default)]
    #[schema(value_type = Object)]
    pub trigger: crate::schedule::Trigger,
}

fn incremental() -> String {
    "incremental".into()
}
fn ignore() -> String {
    "ignore".into()
}
fn yes() -> bool {
    true
}

impl RecipeSpec {
    pub fn from_recipe(r: &Recipe) -> Result<RecipeSpec, String> {
        Ok(RecipeSpec {
            name: r.name.clone(),
            source_connection_id: r.source_connection_id.clone(),
            source_object: r.source_object.clone(),
            destination_connection_id: r.destination_connection_id.clone(),
            destination_object: r.destination_object.clone(),
            mapping: serde_json::from_str(&r.mapping).map_err(|e| format!("stored mapping unreadable: {e}"))?,
            mode: r.mode.clone(),
            delete_policy: r.delete_policy.clone(),
            upsert_key: r.upsert_key.clone(),
            enabled: r.enabled,
            trigger: serde_json::from_str(&r.trigger).unwrap_or_default(),
        })
    }

    pub fn to_input(&self) -> RecipeInput {
        RecipeInput {
            name: self.name.trim().to_owned(),
            source_connection_id: self.source_connection_id.clone(),
            source_object: self.source_object.clone(),
            destination_connection_id: self.destination_connection_id.clone(),
            destination_object: self.destination_object.clone(),
            mapping: serde_json::to_string(&self.mapping).unwrap_or_else(|_| "{\"rules\":[]}".into()),
            mode: self.mode.clone(),
            delete_policy: self.delete_policy.clone(),
            upsert_key: self.upsert_key.trim().to_owned(),
            enabled: self.enabled,
            trigger: serde_json::to_string(&self.trigger).unwrap_or_else(|_| "{\"kind\":\"manual\"}".into()),
            scheduled: self.trigger.is_scheduled(),
        }
    }
}

/// A connection and the objects it offers.
pub struct Side {
    pub connection: Connection,
    pub provider_name: String,
    pub objects: Vec<ObjectSpec>,
}

impl Side {
    pub fn object(&self, name: &str) -> Option<&ObjectSpec> {
        self.objects.iter().find(|o| o.name == name)
    }
}

/// Loads a connection of this tenant and asks its system which objects it has.
pub async fn side(state: &AppState, tenant_id: &TenantId, connection_id: &str, what: &str) -> Result<Side, String> {
    let connection = match state.store.tenant(tenant_id).connection(connection_id).await {
        Ok(c) => c,
        Err(StoreError::NotFound) => return Err(format!("Choose a {what} connection.")),
        Err(e) => return Err(format!("Hitch could not load the {what} connection: {e}")),
    };
    let provider_name = state
        .catalog
        .get(&connection.provider)
        .map(|p| p.spec.name.clone())
        .unwrap_or_else(|| connection.provider.clone());
    if !matches!(connection.status, ConnectionStatus::Active | ConnectionStatus::Error) {
        return Err(format!(
            "The {what} connection \"{}\" is {}; fix it under Connections first.",
            connection.label,
            connection.status.as_str().replace('_', " ")
        ));
    }
    let connector =
        connectors::for_connection(state, &connection).await.map_err(|e| format!("{provider_name}: {e}"))?;
    let objects = connector.objects().await.map_err(|e| format!("{provider_name} could not list its objects: {e}"))?;
    Ok(Side { connection, provider_name, objects })
}

/// The source fields a mapping may read: the object's fields plus `_id`.
pub fn source_fields(object: &ObjectSpec) -> Vec<FieldSpec> {
    let mut fields = vec![FieldSpec {
        name: SOURCE_ID_FIELD.into(),
        label: "Source record id".into(),
        kind: FieldKind::String,
        required: false,
        read_only: true,
    }];
    fields.extend(object.fields.iter().cloned());
    fields
}

/// Everything wrong with a recipe, in words fit to show; empty when it can be saved.
pub async fn problems(state: &AppState, tenant_id: &TenantId, spec: &RecipeSpec) -> Vec<String> {
    let mut out = Vec::new();
    let name = spec.name.trim();
    if name.is_empty() || name.chars().count() > 80 {
        out.push("Name the recipe (1 to 80 characters).".into());
    }
    if !matches!(spec.mode.as_str(), "incremental" | "full") {
        out.push("Mode must be incremental or full.".into());
    }
    if !matches!(spec.delete_policy.as_str(), "ignore" | "propagate" | "archive") {
        out.push("Delete handling must be ignore, propagate or archive.".into());
    }
    if let Err(e) = spec.trigger.validate() {
        out.push(format!("Schedule: {e}"));
    }
    let (source, destination) = (
        side(state, tenant_id, &spec.source_connection_id, "source").await,
        side(state, tenant_id, &spec.destination_connection_id, "destination").await,
    );
    let (source, destination) = match (source, destination) {
        (Ok(s), Ok(d)) => (s, d),
        (s, d) => {
            out.extend(s.err());
            out.extend(d.err());
            return out;
        }
    };
    let Some(source_object) = source.object(&spec.source_object) else {
        out.push(format!(
            "{} has no object \"{}\": choose one of {}.",
            source.provider_name,
            spec.source_object,
            names(&source.objects)
        ));
        return out;
    };
    let Some(dest_object) = destination.object(&spec.destination_object) else {
        out.push(format!(
            "{} has no object \"{}\": choose one of {}.",
            destination.provider_name,
            spec.destination_object,
            names(&destination.objects)
        ));
        return out;
    };
    if !dest_object.writable {
        out.push(format!(
            "Hitch cannot write {} {}: choose another destination.",
            destination.provider_name, dest_object.label
        ));
    }
    if spec.mode == "incremental" && !source_object.incremental {
        out.push(format!(
            "{} {} can only be read in full: choose full refresh.",
            source.provider_name, source_object.label
        ));
    }
    let key = spec.upsert_key.trim();
    if key.is_empty() && !dest_object.upsert_keys.is_empty() {
        // Without a key, a run that stops between writing a record and remembering it would
        // create that record again when resumed.
        out.push(format!(
            "Choose the upsert key ({}) for {} {}: it lets a retried or resumed run update a record instead of creating it twice.",
            dest_object.upsert_keys.join(" or "),
            destination.provider_name,
            dest_object.label
        ));
    }
    if !key.is_empty() {
        if !dest_object.upsert_keys.iter().any(|k| k == key) {
            out.push(format!(
                "\"{key}\" cannot identify {} {}; choose {}.",
                destination.provider_name,
                dest_object.label,
                if dest_object.upsert_keys.is_empty() {
                    "no upsert key".to_owned()
                } else {
                    dest_object.upsert_keys.join(" or ")
                }
            ));
        } else if !spec.mapping.rules.iter().any(|r| r.target == key) {
            out.push(format!("Add a rule for \"{key}\": it is how Hitch finds the record to update."));
        }
    }
    let source_label = format!("{} {}", source.provider_name, source_object.label);
    let dest_label = format!("{} {}", destination.provider_name, dest_object.label);
    let fields = source_fields(source_object);
    let problems = spec.mapping.validate(
        Schema { name: &source_label, fields: &fields },
        Schema { name: &dest_label, fields: &dest_object.fields },
    );
    out.extend(problems.into_iter().map(|p| p.message));
    out
}

fn names(objects: &[ObjectSpec]) -> String {
    objects.iter().map(|o| o.name.as_str()).collect::<Vec<_>>().join(", ")
}

/// One source record in a preview.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PreviewRecord {
    pub source_id: String,
    /// Passed the filter and mapped without problems.
    pub ok: bool,
    /// The mapped record (what would be written), when mapped.
    #[schema(value_type = Object)]
    pub mapped: Option<serde_json::Map<String, Value>>,
    /// "skipped by the filter", or the mapping problems.
    pub problems: Vec<String>,
}

/// Reads a sample (the first page, at most `limit` records) and maps it. Writes nothing.
pub async fn preview(
    state: &AppState,
    tenant_id: &TenantId,
    spec: &RecipeSpec,
    limit: usize,
) -> Result<Vec<PreviewRecord>, String> {
    let mapping =
        spec.mapping.compile().map_err(|p| p.iter().map(ToString::to_string).collect::<Vec<_>>().join(" "))?;
    let source = side(state, tenant_id, &spec.source_connection_id, "source").await?;
    let connector = connectors::for_connection(state, &source.connection).await.map_err(|e| e.to_string())?;
    let page = connector
        .read_page(&spec.source_object, &ReadMode::Full, None)
        .await
        .map_err(|e| format!("{}: {e}", source.provider_name))?;
    Ok(page
        .records
        .into_iter()
        .take(limit)
        .map(|record| {
            let mut fields = record.fields;
            fields.insert(SOURCE_ID_FIELD.into(), Value::String(record.id.clone()));
            match mapping.apply(&fields) {
                Ok(Some(mapped)) => {
                    PreviewRecord { source_id: record.id, ok: true, mapped: Some(mapped), problems: Vec::new() }
                }
                Ok(None) => PreviewRecord {
                    source_id: record.id,
                    ok: false,
                    mapped: None,
                    problems: vec!["skipped by the filter".into()],
                },
                Err(problems) => PreviewRecord {
                    source_id: record.id,
                    ok: false,
                    mapped: None,
                    problems: problems.iter().map(ToString::to_string).collect(),
                },
            }
        })
        .collect())
}

/// Why a run did not start.
#[derive(Debug)]
pub enum StartError {
    Disabled,
    Store(StoreError),
}

/// A run that was queued, or the queued run this trigger joined.
#[derive(Debug, Clone)]
pub struct Started {
    pub run_id: String,
    /// A run of this recipe was already waiting: the trigger joined it (one follow-up run,
    /// never a pile of them).
    pub joined: bool,
}

/// Queues a run of a recipe for the workers. A "retry" run reads everything again, so
/// records that failed before are tried again (unchanged ones are skipped by their hashes).
pub async fn start_run(
    state: &AppState,
    tenant_id: &TenantId,
    recipe_id: &str,
    trigger: &str,
) -> Result<Started, StartError> {
    let scope = state.store.tenant(tenant_id);
    let recipe = scope.recipe(recipe_id).await.map_err(StartError::Store)?;
    if !recipe.enabled && !matches!(trigger, "manual" | "api" | "retry") {
        return Err(StartError::Disabled);
    }
    let queued = state
        .store
        .enqueue_recipe_run(
            tenant_id,
            recipe_id,
            trigger,
            None,
            crate::jobs::worker::MAX_ATTEMPTS,
            recipe.cursor.as_deref(),
        )
        .await
        .map_err(StartError::Store)?;
    crate::jobs::worker::wake().notify_waiters();
    Ok(Started { run_id: queued.run_id, joined: queued.coalesced })
}

//! HubSpot CRM v3: contacts, companies and deals.
//!
//! Full reads page the list endpoint with `after`. Incremental reads use the search endpoint
//! filtered by the last-modified property (`>=`, sorted ascending, with a one-minute look-back
//! because HubSpot's search index trails writes by seconds). Search stops at 10,000 results
//! per query, so a long catch-up restarts the query from the last modification time seen.
//! Writes use the batch endpoints (100 inputs), `batch/upsert` by a unique property when the
//! recipe has an upsert key, which makes a retried write land on the same record.

mod read;
mod write;

use std::collections::HashMap;

use serde::Deserialize;
use tokio::sync::Mutex;

use super::auth::ConnectionAuth;
use super::calls;
use crate::sync::connector::{
    Connector, FieldKind, FieldSpec, ObjectSpec, Page, ReadMode, SyncError, WriteOp, WriteOutcome,
};

/// (object, label, last-modified property, unique property for upserts)
pub const OBJECTS: [(&str, &str, &str, Option<&str>); 3] = [
    ("contacts", "Contacts", "lastmodifieddate", Some("email")),
    ("companies", "Companies", "hs_lastmodifieddate", None),
    ("deals", "Deals", "hs_lastmodifieddate", None),
];

pub struct HubSpot {
    auth: ConnectionAuth,
    /// Property names per object, learned once per run.
    properties: Mutex<HashMap<String, Vec<FieldSpec>>>,
    /// Properties a run asked for (its mapping's fields): read just these.
    selected: Mutex<HashMap<String, Vec<String>>>,
}

#[derive(Deserialize)]
struct PropertyList {
    results: Vec<Property>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Property {
    name: String,
    label: String,
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    modification_metadata: Option<ModificationMetadata>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ModificationMetadata {
    #[serde(default)]
    read_only_value: bool,
}

impl HubSpot {
    pub fn new(auth: ConnectionAuth) -> Self {
        Self { auth, properties: Mutex::new(HashMap::new()), selected: Mutex::new(HashMap::new()) }
    }

    fn object(&self, name: &str) -> Result<(&'static str, &'static str, Option<&'static str>), SyncError> {
        OBJECTS.iter().find(|(o, ..)| *o == name).map(|(o, _, modified, unique)| (*o, *modified, *unique)).ok_or_else(
            || SyncError::permanent(format!("HubSpot has no object {name:?} here (contacts, companies, deals)")),
        )
    }

    /// The object's properties (GET /crm/v3/properties/{object}), cached.
    async fn fields(&self, object: &str) -> Result<Vec<FieldSpec>, SyncError> {
        if let Some(found) = self.properties.lock().await.get(object) {
            return Ok(found.clone());
        }
        let path = format!("/crm/v3/properties/{object}");
        let reply = calls::send(&self.auth, |http, base| http.get(format!("{base}{path}"))).await?;
        if reply.status != 200 {
            return Err(read::error(&reply));
        }
        let list: PropertyList = calls::json("HubSpot", &reply)?;
        let fields: Vec<FieldSpec> = list
            .results
            .into_iter()
            .map(|p| FieldSpec {
                kind: match p.kind.as_str() {
                    "number" => FieldKind::Number,
                    "datetime" => FieldKind::DateTime,
                    "date" => FieldKind::Date,
                    "bool" | "boolean" => FieldKind::Boolean,
                    _ => FieldKind::String,
                },
                read_only: p.modification_metadata.is_some_and(|m| m.read_only_value) || p.name == "hs_object_id",
                required: false,
                name: p.name,
                label: p.label,
            })
            .collect();
        self.properties.lock().await.insert(object.to_owned(), fields.clone());
        Ok(fields)
    }

    /// The property names to ask for when reading: the run's selection when there is one
    /// (always with the last-modified property, which is the cursor), else every property.
    async fn property_names(&self, object: &str) -> Result<Vec<String>, SyncError> {
        if let Some(selected) = self.selected.lock().await.get(object) {
            return Ok(selected.clone());
        }
        Ok(self.fields(object).await?.into_iter().map(|f| f.name).collect())
    }
}

#[async_trait::async_trait]
impl Connector for HubSpot {
    async fn objects(&self) -> Result<Vec<ObjectSpec>, SyncError> {
        let mut out = Vec::new();
        for (name, label, _, unique) in OBJECTS {
            out.push(ObjectSpec {
                name: name.into(),
                label: label.into(),
                fields: self.fields(name).await?,
                incremental: true,
                writable: true,
                deletes: "archived records appear on full refresh".into(),
                upsert_keys: unique.map(|u| vec![u.to_owned()]).unwrap_or_default(),
            });
        }
        Ok(out)
    }

    async fn read_page(&self, object: &str, mode: &ReadMode, page: Option<&str>) -> Result<Page, SyncError> {
        let (object, modified, _) = self.object(object)?;
        let properties = self.property_names(object).await?;
        match mode {
            ReadMode::Full => read::list(&self.auth, object, modified, &properties, page).await,
            ReadMode::Since(cursor) => read::search(&self.auth, object, modified, &properties, cursor, page).await,
        }
    }

    async fn write_batch(&self, object: &str, ops: &[WriteOp]) -> Result<Vec<WriteOutcome>, SyncError> {
        let (object, ..) = self.object(object)?;
        write::batch(&self.auth, object, ops).await
    }

    fn max_batch(&self) -> usize {
        100
    }

    async fn select_fields(&self, object: &str, fields: &[String]) {
        let Ok((object, modified, _)) = self.object(object) else { return };
        // Top-level property names only; `_id` is Hitch's own, not a HubSpot property.
        let mut names: Vec<String> = fields
            .iter()
            .filter(|f| !f.starts_with('_'))
            .map(|f| f.split('.').next().unwrap_or(f).to_owned())
            .collect();
        names.push(modified.to_owned());
        names.sort();
        names.dedup();
        self.selected.lock().await.insert(object.to_owned(), names);
    }

    async fn high_water_mark(&self, _object: &str) -> Result<Option<String>, SyncError> {
        // HubSpot's cursor is a modification time: "now" covers everything read from here on.
        Ok(Some(read::cursor_text(chrono::Utc::now().timestamp_millis())))
    }
}

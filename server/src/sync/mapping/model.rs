//! The stored form of a mapping. This is a stable format: it is kept as JSON in the database
//! and sent over the REST API, so fields are only ever added, with defaults.

use std::fmt;

use serde::de::{MapAccess, Visitor};
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;

use super::filter::Filter;

/// Rules for every destination field, and which source records to take at all.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
// Unknown keys are refused so a misspelt "transform" is an error, not a silently ignored key.
#[serde(deny_unknown_fields)]
pub struct Mapping {
    /// One rule per destination field, applied in order.
    pub rules: Vec<Rule>,
    /// Which source records to map; absent = all of them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filter: Option<Filter>,
}

/// How one destination field gets its value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    /// The destination field written.
    pub target: String,
    /// Where the value comes from.
    pub source: Source,
    /// Applied in order to the source value.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub transforms: Vec<Transform>,
    /// Used when the result is null or an empty string, or the source field is missing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default: Option<Value>,
}

/// Where a rule's value comes from: `{"field": "email"}`, `{"constant": …}` or
/// `{"template": "{{firstname}} {{lastname}}"}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    /// A source field; a dotted path (`address.city`) reaches into nested objects.
    Field(String),
    /// The same value for every record.
    Constant(Value),
    /// Text with `{{field}}` placeholders. Kept as text here (and parsed when compiling) so
    /// a broken template is a save-time problem naming the rule, not an unreadable mapping.
    Template(String),
}

/// One step applied to a value: `{"op": "trim"}`, `{"op": "date", "format": "%Y-%m-%d"}`, …
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case", deny_unknown_fields)]
pub enum Transform {
    /// Strip leading and trailing whitespace.
    Trim,
    /// Lower-case.
    Lower,
    /// Upper-case.
    Upper,
    /// Text such as "1,234.50" to a JSON number.
    Number,
    /// Reformat a date or time.
    Date {
        /// strftime output format, or "rfc3339".
        format: String,
        /// How to read the value: absent for RFC 3339, `YYYY-MM-DD` or milliseconds since the
        /// epoch; "unix" for seconds; "unix_ms"; "rfc3339"; or a strftime input format.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        input: Option<String>,
    },
    /// Replace a value by the table's entry for it.
    Lookup {
        /// Source value (as text) to destination value.
        table: LookupTable,
        /// What to do with a value that has no entry.
        #[serde(default)]
        on_missing: OnMissing,
    },
}

/// What a lookup does with a value that is not in its table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OnMissing {
    /// The record fails, naming the value and the known keys.
    #[default]
    Error,
    /// The value passes through unchanged.
    Keep,
    /// The rule's default is used.
    Default,
}

/// A lookup table's entries in the order the person wrote them, so messages list the known
/// keys the way they appear in the editor. Serialized as a JSON object.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct LookupTable(Vec<(String, Value)>);

impl LookupTable {
    /// A table from entries; a repeated key keeps its first position and its last value.
    pub fn new(entries: impl IntoIterator<Item = (String, Value)>) -> Self {
        let mut table = Self::default();
        for (key, value) in entries {
            table.insert(key, value);
        }
        table
    }

    fn insert(&mut self, key: String, value: Value) {
        match self.0.iter_mut().find(|(k, _)| *k == key) {
            Some(entry) => entry.1 = value,
            None => self.0.push((key, value)),
        }
    }

    /// The entries, in order.
    pub fn entries(&self) -> &[(String, Value)] {
        &self.0
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// No entries at all.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl Serialize for LookupTable {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (key, value) in &self.0 {
            map.serialize_entry(key, value)?;
        }
        map.end()
    }
}

impl<'de> Deserialize<'de> for LookupTable {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct TableVisitor;

        impl<'de> Visitor<'de> for TableVisitor {
            type Value = LookupTable;

            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an object of source values to destination values")
            }

            fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<LookupTable, A::Error> {
                let mut table = LookupTable::default();
                while let Some((key, value)) = access.next_entry::<String, Value>()? {
                    table.insert(key, value);
                }
                Ok(table)
            }
        }

        deserializer.deserialize_map(TableVisitor)
    }
}

//! Reading a field by name or dotted path (`address.city`) from a record.

use serde_json::{Map, Value};

/// A field reference, split once when compiling rather than on every record.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct FieldPath {
    name: String,
    /// The segments when the name has dots; None for a plain name (the common case).
    segments: Option<Vec<String>>,
}

impl FieldPath {
    pub(crate) fn new(name: &str) -> Self {
        let segments = name.contains('.').then(|| name.split('.').map(str::to_owned).collect());
        Self { name: name.to_owned(), segments }
    }

    /// The name as written.
    pub(crate) fn name(&self) -> &str {
        &self.name
    }

    /// The value, or None when the record lacks it. A key spelt with dots wins over the
    /// path, because some systems (Airtable, spreadsheets) allow dots in field names.
    pub(crate) fn get<'r>(&self, record: &'r Map<String, Value>) -> Option<&'r Value> {
        if let Some(value) = record.get(&self.name) {
            return Some(value);
        }
        let (first, rest) = self.segments.as_deref()?.split_first()?;
        let mut current = record.get(first)?;
        for segment in rest {
            current = match current {
                Value::Object(map) => map.get(segment)?,
                Value::Array(items) => items.get(segment.parse::<usize>().ok()?)?,
                _ => return None,
            };
        }
        Some(current)
    }
}

/// The top-level field a name or path reads: what a connector must request.
pub(crate) fn root_of(name: &str) -> &str {
    name.split('.').next().unwrap_or(name)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn record(value: Value) -> Map<String, Value> {
        match value {
            Value::Object(map) => map,
            _ => Map::new(),
        }
    }

    #[test]
    fn plain_and_dotted_paths() {
        let rec = record(json!({
            "email": "a@b.c",
            "address": {"city": "Berlin", "geo": {"lat": 52.5}},
            "tags": [{"name": "vip"}],
            "odd.name": 1
        }));
        assert_eq!(FieldPath::new("email").get(&rec), Some(&json!("a@b.c")));
        assert_eq!(FieldPath::new("address.city").get(&rec), Some(&json!("Berlin")));
        assert_eq!(FieldPath::new("address.geo.lat").get(&rec), Some(&json!(52.5)));
        assert_eq!(FieldPath::new("tags.0.name").get(&rec), Some(&json!("vip")));
        assert_eq!(FieldPath::new("odd.name").get(&rec), Some(&json!(1)));
        assert_eq!(FieldPath::new("address.zip").get(&rec), None);
        assert_eq!(FieldPath::new("email.domain").get(&rec), None);
        assert_eq!(FieldPath::new("tags.x").get(&rec), None);
        assert_eq!(FieldPath::new("missing").get(&rec), None);
    }

    #[test]
    fn roots() {
        assert_eq!(root_of("address.city"), "address");
        assert_eq!(root_of("email"), "email");
    }
}

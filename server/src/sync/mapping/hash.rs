//! A stable fingerprint of a mapped record, so a run can skip records whose output has not
//! changed since the last write.

use std::io::{self, Write};

use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use super::model::Mapping;

impl Mapping {
    /// See [`content_hash`].
    pub fn content_hash(mapped: &Map<String, Value>) -> String {
        content_hash(mapped)
    }
}

/// SHA-256 (lower-case hex) of the record as canonical JSON: keys sorted at every level, no
/// whitespace. The same fields give the same hash whatever order they were inserted in.
/// Sorted explicitly rather than relying on `Map` being a BTreeMap, which the
/// `preserve_order` feature of serde_json (enabled by any crate in the build) would change.
pub fn content_hash(mapped: &Map<String, Value>) -> String {
    let mut sink = HashSink(Sha256::new());
    write_object(&mut sink, mapped);
    hex::encode(sink.0.finalize())
}

/// Feeds serde_json's string escaping straight into the hasher, without a buffer.
struct HashSink(Sha256);

impl Write for HashSink {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.update(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

fn write_value(sink: &mut HashSink, value: &Value) {
    match value {
        Value::Null => sink.0.update(b"null"),
        Value::Bool(true) => sink.0.update(b"true"),
        Value::Bool(false) => sink.0.update(b"false"),
        Value::Number(n) => sink.0.update(n.to_string().as_bytes()),
        Value::String(s) => write_str(sink, s),
        Value::Array(items) => {
            sink.0.update(b"[");
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    sink.0.update(b",");
                }
                write_value(sink, item);
            }
            sink.0.update(b"]");
        }
        Value::Object(map) => write_object(sink, map),
    }
}

fn write_object(sink: &mut HashSink, map: &Map<String, Value>) {
    sink.0.update(b"{");
    // Already sorted unless preserve_order is on: then no copy is needed.
    if map.keys().is_sorted() {
        write_entries(sink, map.iter());
    } else {
        let mut entries: Vec<(&String, &Value)> = map.iter().collect();
        entries.sort_unstable_by(|a, b| a.0.cmp(b.0));
        write_entries(sink, entries.into_iter());
    }
    sink.0.update(b"}");
}

fn write_entries<'a>(sink: &mut HashSink, entries: impl Iterator<Item = (&'a String, &'a Value)>) {
    for (i, (key, value)) in entries.enumerate() {
        if i > 0 {
            sink.0.update(b",");
        }
        write_str(sink, key);
        sink.0.update(b":");
        write_value(sink, value);
    }
}

fn write_str(sink: &mut HashSink, s: &str) {
    // Writing to the hasher cannot fail, and a str always serializes.
    let _ = serde_json::to_writer(&mut *sink, s);
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn map(v: Value) -> Map<String, Value> {
        match v {
            Value::Object(m) => m,
            _ => Map::new(),
        }
    }

    #[test]
    fn independent_of_key_order() {
        let mut a = Map::new();
        a.insert("b".into(), json!(1));
        a.insert("a".into(), json!({"y": [1, "two"], "x": null}));
        let mut b = Map::new();
        b.insert("a".into(), json!({"x": null, "y": [1, "two"]}));
        b.insert("b".into(), json!(1));
        assert_eq!(content_hash(&a), content_hash(&b));
        assert_eq!(Mapping::content_hash(&a), content_hash(&b));
    }

    #[test]
    fn is_sha256_of_canonical_json() {
        let m = map(json!({"name": "Ada \"L\"", "n": 1.5, "ok": true, "tags": ["x"], "none": null}));
        let canonical = r#"{"n":1.5,"name":"Ada \"L\"","none":null,"ok":true,"tags":["x"]}"#;
        assert_eq!(content_hash(&m), hex::encode(Sha256::digest(canonical.as_bytes())));
        assert_eq!(content_hash(&Map::new()), hex::encode(Sha256::digest(b"{}")));
        assert_eq!(content_hash(&m).len(), 64);
    }

    #[test]
    fn changes_with_any_value() {
        let base = content_hash(&map(json!({"a": "1"})));
        assert_ne!(base, content_hash(&map(json!({"a": 1}))));
        assert_ne!(base, content_hash(&map(json!({"a": "1", "b": null}))));
        assert_ne!(base, content_hash(&map(json!({"a": "2"}))));
        assert_ne!(content_hash(&map(json!({"a": [1, 2]}))), content_hash(&map(json!({"a": [2, 1]}))));
    }
}

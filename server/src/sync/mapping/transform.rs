//! Compiled transforms and applying them to one value.
//!
//! Values travel as `Cow` so a transform that changes nothing (trimming text without
//! spaces, lower-casing lower-case text) costs no allocation.

use std::borrow::Cow;
use std::collections::HashMap;

use serde_json::Value;

use super::date::DateTransform;
use super::model::{LookupTable, OnMissing, Transform};
use super::text::{parse_number, scalar_text, shorten, show};

/// Most known keys a lookup error lists; a table can have hundreds.
const KNOWN_KEYS_SHOWN: usize = 10;

/// One compiled transform.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Step {
    Trim,
    Lower,
    Upper,
    Number,
    Date(DateTransform),
    Lookup(Lookup),
}

/// A lookup table hashed for the run, with its error text's key list prepared once.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Lookup {
    table: HashMap<String, Value>,
    known: String,
    on_missing: OnMissing,
}

impl Step {
    /// Compiles a transform; the error is a phrase for a save-time message.
    pub(crate) fn compile(transform: &Transform) -> Result<Step, String> {
        Ok(match transform {
            Transform::Trim => Step::Trim,
            Transform::Lower => Step::Lower,
            Transform::Upper => Step::Upper,
            Transform::Number => Step::Number,
            Transform::Date { format, input } => Step::Date(DateTransform::compile(format, input.as_deref())?),
            Transform::Lookup { table, on_missing } => Step::Lookup(Lookup::compile(table, *on_missing)?),
        })
    }

    /// The transformed value. Null passes through every step, so a rule's default still
    /// applies after them. `sensitive` keeps the value itself out of the error.
    pub(crate) fn apply<'a>(&self, value: Cow<'a, Value>, sensitive: bool) -> Result<Cow<'a, Value>, String> {
        if value.is_null() {
            return Ok(value);
        }
        match self {
            Step::Trim => text_step(value, "trim", sensitive, |s| {
                let t = s.trim();
                (t.len() != s.len()).then(|| t.to_owned())
            }),
            Step::Lower => text_step(value, "lower-case", sensitive, |s| {
                s.chars().any(char::is_uppercase).then(|| s.to_lowercase())
            }),
            Step::Upper => text_step(value, "upper-case", sensitive, |s| {
                s.chars().any(char::is_lowercase).then(|| s.to_uppercase())
            }),
            Step::Number => to_number(value, sensitive),
            Step::Date(date) => date.apply(&value, sensitive).map(Cow::Owned),
            Step::Lookup(lookup) => lookup.apply(value, sensitive),
        }
    }
}

/// Applies a text change; `change` returns None when the text is already as wanted.
/// Numbers and booleans become their text first; objects and lists are refused.
fn text_step<'a>(
    value: Cow<'a, Value>,
    verb: &str,
    sensitive: bool,
    change: impl Fn(&str) -> Option<String>,
) -> Result<Cow<'a, Value>, String> {
    // Decided in a block so the borrow of `value` ends before it may be returned as is.
    let changed = {
        let Some(text) = scalar_text(&value) else {
            return Err(format!("cannot {verb} {}: it is not text", show(&value, sensitive)));
        };
        match change(&text) {
            Some(changed) => Some(changed),
            None if value.is_string() => None,
            None => Some(text.into_owned()),
        }
    };
    Ok(match changed {
        Some(text) => Cow::Owned(Value::String(text)),
        None => value,
    })
}

fn to_number<'a>(value: Cow<'a, Value>, sensitive: bool) -> Result<Cow<'a, Value>, String> {
    match &*value {
        Value::Number(_) => Ok(value),
        // Blank text is "no value", like null, so the rule's default can step in.
        Value::String(s) if s.trim().is_empty() => Ok(Cow::Owned(Value::Null)),
        Value::String(s) => match parse_number(s) {
            Some(n) => Ok(Cow::Owned(Value::Number(n))),
            None => Err(format!("{} is not a number", show(&value, sensitive))),
        },
        Value::Bool(_) => Err(format!("{} is a true/false value, not a number", show(&value, sensitive))),
        _ => Err(format!("{} is not a number", show(&value, sensitive))),
    }
}

impl Lookup {
    fn compile(table: &LookupTable, on_missing: OnMissing) -> Result<Self, String> {
        if table.is_empty() {
            return Err("the lookup table is empty; add at least one entry".to_owned());
        }
        let mut known: Vec<String> =
            table.entries().iter().take(KNOWN_KEYS_SHOWN).map(|(k, _)| shorten(k, 40).into_owned()).collect();
        if table.len() > KNOWN_KEYS_SHOWN {
            known.push(format!("and {} more", table.len() - KNOWN_KEYS_SHOWN));
        }
        Ok(Self { table: table.entries().iter().cloned().collect(), known: known.join(", "), on_missing })
    }

    fn apply<'a>(&self, value: Cow<'a, Value>, sensitive: bool) -> Result<Cow<'a, Value>, String> {
        let found = {
            let Some(key) = scalar_text(&value) else {
                return Err(format!(
                    "{} cannot be looked up: only text, numbers and true/false can",
                    show(&value, sensitive)
                ));
            };
            match self.table.get(key.as_ref()) {
                Some(found) => Some(found.clone()),
                // Empty text is "no value" (HubSpot sends "" for unset properties), not an
                // unknown one.
                None if key.is_empty() => Some(Value::Null),
                None => None,
            }
        };
        if let Some(found) = found {
            return Ok(Cow::Owned(found));
        }
        match self.on_missing {
            OnMissing::Keep => Ok(value),
            OnMissing::Default => Ok(Cow::Owned(Value::Null)),
            OnMissing::Error => Err(format!("no lookup entry for {} (known: {})", show(&value, sensitive), self.known)),
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn run(transform: Value, value: Value) -> Result<Value, String> {
        let transform: Transform = serde_json::from_value(transform).map_err(|e| e.to_string())?;
        Step::compile(&transform)?.apply(Cow::Owned(value), false).map(Cow::into_owned)
    }

    #[test]
    fn text_transforms() {
        assert_eq!(run(json!({"op": "trim"}), json!("  a b \n")), Ok(json!("a b")));
        assert_eq!(run(json!({"op": "lower"}), json!("ÄBC")), Ok(json!("äbc")));
        assert_eq!(run(json!({"op": "upper"}), json!("straße")), Ok(json!("STRASSE")));
        assert_eq!(run(json!({"op": "upper"}), json!(12)), Ok(json!("12")));
        assert_eq!(run(json!({"op": "trim"}), json!(true)), Ok(json!("true")));
        assert_eq!(run(json!({"op": "lower"}), json!(null)), Ok(json!(null)));
        assert_eq!(run(json!({"op": "trim"}), json!({"a": 1})), Err("cannot trim an object: it is not text".into()));
        assert_eq!(run(json!({"op": "lower"}), json!([1])), Err("cannot lower-case a list: it is not text".into()));
    }

    #[test]
    fn unchanged_text_is_not_copied() {
        let value = json!("already clean");
        for step in [Step::Trim, Step::Lower] {
            assert!(matches!(step.apply(Cow::Borrowed(&value), false), Ok(Cow::Borrowed(_))));
        }
    }

    #[test]
    fn numbers() {
        assert_eq!(run(json!({"op": "number"}), json!("1,234.50")), Ok(json!(1234.5)));
        assert_eq!(run(json!({"op": "number"}), json!(" 12 ")), Ok(json!(12)));
        assert_eq!(run(json!({"op": "number"}), json!(7.5)), Ok(json!(7.5)));
        assert_eq!(run(json!({"op": "number"}), json!("")), Ok(json!(null)));
        assert_eq!(run(json!({"op": "number"}), json!("abc")), Err("'abc' is not a number".into()));
        assert_eq!(run(json!({"op": "number"}), json!(true)), Err("true is a true/false value, not a number".into()));
        assert_eq!(run(json!({"op": "number"}), json!({"a": 1})), Err("an object is not a number".into()));
        assert_eq!(run(json!({"op": "number"}), json!("NaN")), Err("'NaN' is not a number".into()));
    }

    #[test]
    fn lookups() {
        // Parsed from text so the table keeps its order (a `json!` object is sorted).
        let lookup = |on_missing: &str, value: Value| {
            let text = format!(
                r#"{{"op": "lookup", "table": {{"lead": "L", "customer": "C", "1": true}}, "on_missing": "{on_missing}"}}"#
            );
            let transform: Transform = serde_json::from_str(&text).map_err(|e| e.to_string())?;
            Step::compile(&transform)?.apply(Cow::Owned(value), false).map(Cow::into_owned)
        };
        assert_eq!(lookup("error", json!("customer")), Ok(json!("C")));
        assert_eq!(lookup("error", json!(1)), Ok(json!(true)));
        assert_eq!(
            lookup("error", json!("partner")),
            Err("no lookup entry for 'partner' (known: lead, customer, 1)".into())
        );
        assert_eq!(lookup("keep", json!("partner")), Ok(json!("partner")));
        assert_eq!(lookup("default", json!("partner")), Ok(json!(null)));
        assert_eq!(lookup("error", json!("")), Ok(json!(null)));
        assert_eq!(lookup("error", json!(null)), Ok(json!(null)));
        assert!(lookup("error", json!({"a": 1})).is_err_and(|e| e.starts_with("an object cannot be looked up")));
        // The default when on_missing is absent is "error".
        assert!(run(json!({"op": "lookup", "table": {"a": 1}}), json!("b")).is_err());
    }

    #[test]
    fn lookup_lists_at_most_ten_keys() {
        let table: serde_json::Map<String, Value> = (0..15).map(|i| (format!("k{i:02}"), json!(i))).collect();
        let err = run(json!({"op": "lookup", "table": table}), json!("zz"));
        assert_eq!(
            err,
            Err("no lookup entry for 'zz' (known: k00, k01, k02, k03, k04, k05, k06, k07, k08, k09, and 5 more)".into())
        );
    }

    #[test]
    fn empty_lookup_is_refused() {
        assert_eq!(
            run(json!({"op": "lookup", "table": {}}), json!("a")),
            Err("the lookup table is empty; add at least one entry".into())
        );
    }
}

//! Which source records a recipe maps: `{"all": [conditions]}` or `{"any": [conditions]}`.

use std::cmp::Ordering;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::path::FieldPath;
use super::text::{as_f64, scalar_text};

/// Conditions on source records.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Filter {
    /// A record passes when every condition holds (no conditions: every record passes).
    All(Vec<Condition>),
    /// A record passes when at least one condition holds (no conditions: none passes).
    Any(Vec<Condition>),
}

impl Filter {
    /// The conditions, whichever the combination.
    pub fn conditions(&self) -> &[Condition] {
        match self {
            Filter::All(c) | Filter::Any(c) => c,
        }
    }
}

/// One condition: `{"field": "lifecyclestage", "op": "eq", "value": "customer"}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Condition {
    /// Source field or dotted path.
    pub field: String,
    /// The comparison.
    pub op: FilterOp,
    /// What to compare with: text, a number or true/false; absent for exists/not_exists.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<Value>,
}

/// How a condition compares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FilterOp {
    /// Equal: numerically when both sides read as numbers, else as text (case-sensitive).
    Eq,
    /// Not equal (also true when the field is missing).
    Ne,
    /// The text contains the value, ignoring case; for a list, one of its items does.
    Contains,
    /// Present, not null and not empty text.
    Exists,
    /// Missing, null or empty text.
    NotExists,
    /// Greater: numerically when both sides read as numbers, else as text.
    Gt,
    /// Less: numerically when both sides read as numbers, else as text.
    Lt,
}

impl FilterOp {
    /// Every operator, in the order the editor offers them.
    pub const ALL: [FilterOp; 7] = [
        FilterOp::Eq,
        FilterOp::Ne,
        FilterOp::Contains,
        FilterOp::Exists,
        FilterOp::NotExists,
        FilterOp::Gt,
        FilterOp::Lt,
    ];

    /// The operator's name in JSON and in the text form.
    pub fn as_str(self) -> &'static str {
        match self {
            FilterOp::Eq => "eq",
            FilterOp::Ne => "ne",
            FilterOp::Contains => "contains",
            FilterOp::Exists => "exists",
            FilterOp::NotExists => "not_exists",
            FilterOp::Gt => "gt",
            FilterOp::Lt => "lt",
        }
    }

    /// Whether the operator compares with a value (all but exists and not_exists).
    pub fn takes_value(self) -> bool {
        !matches!(self, FilterOp::Exists | FilterOp::NotExists)
    }
}

/// A filter ready for a run: paths split, comparison values read once.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct CompiledFilter {
    any: bool,
    conditions: Vec<CompiledCondition>,
}

#[derive(Debug, Clone, PartialEq)]
struct CompiledCondition {
    path: FieldPath,
    op: FilterOp,
    text: String,
    /// Lower-cased `text`, for `contains`.
    lower: String,
    number: Option<f64>,
}

impl CompiledFilter {
    /// Compiles a filter; errors are phrases for save-time messages.
    pub(crate) fn compile(filter: &Filter) -> Result<Self, Vec<String>> {
        let mut problems = Vec::new();
        let mut conditions = Vec::new();
        for c in filter.conditions() {
            let op = c.op.as_str();
            if c.field.trim().is_empty() {
                problems.push(format!("a '{op}' condition has no field"));
            }
            let text = match (&c.value, c.op.takes_value()) {
                (None, true) => {
                    problems.push(format!("'{}' {op} needs a value", c.field));
                    String::new()
                }
                (Some(_), false) => {
                    problems.push(format!("'{}' {op} takes no value", c.field));
                    String::new()
                }
                (None, false) => String::new(),
                (Some(value), true) => match scalar_text(value) {
                    Some(text) if !value.is_null() => text.into_owned(),
                    _ => {
                        problems.push(format!("'{}' {op} needs text, a number or true/false to compare with", c.field));
                        String::new()
                    }
                },
            };
            let number = c.value.as_ref().and_then(as_f64);
            conditions.push(CompiledCondition {
                path: FieldPath::new(&c.field),
                op: c.op,
                lower: text.to_lowercase(),
                text,
                number,
            });
        }
        if problems.is_empty() { Ok(Self { any: matches!(filter, Filter::Any(_)), conditions }) } else { Err(problems) }
    }

    /// Whether a source record passes.
    pub(crate) fn matches(&self, record: &Map<String, Value>) -> bool {
        if self.any {
            self.conditions.iter().any(|c| c.holds(record))
        } else {
            self.conditions.iter().all(|c| c.holds(record))
        }
    }
}

impl CompiledCondition {
    fn holds(&self, record: &Map<String, Value>) -> bool {
        let value = self.path.get(record);
        match self.op {
            FilterOp::Exists => value.is_some_and(present),
            FilterOp::NotExists => !value.is_some_and(present),
            FilterOp::Eq => value.is_some_and(|v| self.any_item(v, |v| self.compare(v) == Some(Ordering::Equal))),
            FilterOp::Ne => !value.is_some_and(|v| self.any_item(v, |v| self.compare(v) == Some(Ordering::Equal))),
            FilterOp::Gt => value.is_some_and(|v| self.compare(v) == Some(Ordering::Greater)),
            FilterOp::Lt => value.is_some_and(|v| self.compare(v) == Some(Ordering::Less)),
            FilterOp::Contains => value.is_some_and(|v| {
                self.any_item(v, |v| {
                    scalar_text(v).is_some_and(|t| !v.is_null() && contains_ignoring_case(&t, &self.lower))
                })
            }),
        }
    }

    /// A list matches when one of its items does (multi-select fields).
    fn any_item(&self, value: &Value, test: impl Fn(&Value) -> bool) -> bool {
        match value {
            Value::Array(items) => items.iter().any(test),
            other => test(other),
        }
    }

    /// The record's value against the condition's: as numbers when both read as numbers,
    /// else as text. None when there is nothing to compare (null, objects, lists).
    fn compare(&self, value: &Value) -> Option<Ordering> {
        if value.is_null() {
            return None;
        }
        if let (Some(mine), Some(theirs)) = (self.number, as_f64(value)) {
            return theirs.partial_cmp(&mine);
        }
        scalar_text(value).map(|text| text.as_ref().cmp(self.text.as_str()))
    }
}

fn present(value: &Value) -> bool {
    !matches!(value, Value::Null) && value.as_str() != Some("")
}

/// Case-insensitive substring test; ASCII text (the usual case) needs no allocation.
fn contains_ignoring_case(haystack: &str, needle_lower: &str) -> bool {
    if haystack.is_ascii() && needle_lower.is_ascii() {
        let (h, n) = (haystack.as_bytes(), needle_lower.as_bytes());
        n.is_empty() || h.windows(n.len()).any(|w| w.eq_ignore_ascii_case(n))
    } else {
        haystack.to_lowercase().contains(needle_lower)
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn passes(filter: Value, record: Value) -> bool {
        let (Ok(filter), Value::Object(record)) = (serde_json::from_value::<Filter>(filter), record) else {
            return false;
        };
        CompiledFilter::compile(&filter).is_ok_and(|f| f.matches(&record))
    }

    fn cond(op: &str, value: Value, record: Value) -> bool {
        let c = if value.is_null() {
            json!({"field": "f", "op": op})
        } else {
            json!({"field": "f", "op": op, "value": value})
        };
        passes(json!({"all": [c]}), record)
    }

    #[test]
    fn eq_and_ne() {
        assert!(cond("eq", json!("customer"), json!({"f": "customer"})));
        assert!(!cond("eq", json!("customer"), json!({"f": "Customer"})));
        assert!(cond("eq", json!("5"), json!({"f": 5.0})));
        assert!(cond("eq", json!(5), json!({"f": "5"})));
        assert!(cond("eq", json!("true"), json!({"f": true})));
        assert!(cond("eq", json!("b"), json!({"f": ["a", "b"]})));
        assert!(!cond("eq", json!("x"), json!({})));
        assert!(cond("ne", json!("x"), json!({})));
        assert!(cond("ne", json!("x"), json!({"f": "y"})));
        assert!(!cond("ne", json!("x"), json!({"f": "x"})));
    }

    #[test]
    fn contains_ignores_case() {
        assert!(cond("contains", json!("ACME"), json!({"f": "sales@acme.com"})));
        assert!(cond("contains", json!("über"), json!({"f": "ÜBERALL"})));
        assert!(cond("contains", json!("vip"), json!({"f": ["new", "VIP customer"]})));
        assert!(cond("contains", json!("12"), json!({"f": 3120})));
        assert!(!cond("contains", json!("x"), json!({"f": "abc"})));
        assert!(!cond("contains", json!("x"), json!({"f": null})));
        assert!(!cond("contains", json!("x"), json!({})));
    }

    #[test]
    fn exists_and_not_exists() {
        for (record, exists) in [
            (json!({"f": "a"}), true),
            (json!({"f": 0}), true),
            (json!({"f": ""}), false),
            (json!({"f": null}), false),
            (json!({}), false),
        ] {
            assert_eq!(cond("exists", json!(null), record.clone()), exists, "{record}");
            assert_eq!(cond("not_exists", json!(null), record.clone()), !exists, "{record}");
        }
    }

    #[test]
    fn gt_and_lt() {
        assert!(cond("gt", json!("9"), json!({"f": "10"})), "numbers, not text");
        assert!(!cond("lt", json!(100), json!({"f": "1,000.5"})));
        assert!(cond("gt", json!("2024-01-01"), json!({"f": "2024-03-05T00:00:00Z"})));
        assert!(cond("lt", json!("b"), json!({"f": "a"})));
        assert!(!cond("gt", json!("1"), json!({"f": null})));
        assert!(!cond("lt", json!("1"), json!({})));
        assert!(!cond("gt", json!(1), json!({"f": {"a": 2}})));
    }

    #[test]
    fn all_and_any() {
        let conds = json!([{"field": "a", "op": "exists"}, {"field": "b", "op": "eq", "value": "x"}]);
        assert!(passes(json!({"all": conds}), json!({"a": 1, "b": "x"})));
        assert!(!passes(json!({"all": conds}), json!({"a": 1, "b": "y"})));
        assert!(passes(json!({"any": conds}), json!({"b": "x"})));
        assert!(!passes(json!({"any": conds}), json!({"b": "y"})));
        assert!(passes(json!({"all": []}), json!({})));
        assert!(!passes(json!({"any": []}), json!({})));
        assert!(passes(
            json!({"all": [{"field": "addr.city", "op": "eq", "value": "Oslo"}]}),
            json!({"addr": {"city": "Oslo"}})
        ));
    }

    #[test]
    fn malformed_conditions_are_refused() {
        let compile = |v: Value| {
            serde_json::from_value::<Filter>(v)
                .map_err(|e| vec![e.to_string()])
                .and_then(|f| CompiledFilter::compile(&f))
        };
        assert_eq!(compile(json!({"all": [{"field": "f", "op": "eq"}]})), Err(vec!["'f' eq needs a value".into()]));
        assert_eq!(
            compile(json!({"all": [{"field": "f", "op": "exists", "value": 1}]})),
            Err(vec!["'f' exists takes no value".into()])
        );
        assert!(compile(json!({"all": [{"field": "f", "op": "eq", "value": {"a": 1}}]})).is_err());
        assert!(compile(json!({"all": [{"field": "", "op": "exists"}]})).is_err());
        assert!(serde_json::from_value::<Filter>(json!({"all": [{"field": "f", "op": "like"}]})).is_err());
        assert!(serde_json::from_value::<Filter>(json!({"none": []})).is_err());
    }
}

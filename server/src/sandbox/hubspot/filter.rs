//! Search filters, compiled once per request: datetime properties compare as epoch
//! milliseconds (the value may be milliseconds or ISO 8601), numbers numerically, text
//! case-insensitively.

use serde_json::Value;

use super::errors::HsError;
use super::schema::{Kind, Object, PropRef};
use super::store::Record;
use crate::sandbox::data::json::parse_time_ms;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Eq,
    Neq,
    Gt,
    Gte,
    Lt,
    Lte,
    Between,
    In,
    NotIn,
    HasProperty,
    NotHasProperty,
    ContainsToken,
    NotContainsToken,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Key {
    Time(i64),
    Num(f64),
}

#[derive(Debug, Clone)]
pub struct Filter {
    pub prop: PropRef,
    pub op: Op,
    /// The value as milliseconds, for datetime properties.
    pub time: Option<i64>,
    value: Option<String>,
    values: Vec<String>,
    key: Option<Key>,
    high: Option<Key>,
    kind: Flavor,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Flavor {
    Time,
    Num,
    Text,
}

fn op_of(s: &str) -> Option<Op> {
    Some(match s {
        "EQ" => Op::Eq,
        "NEQ" => Op::Neq,
        "GT" => Op::Gt,
        "GTE" => Op::Gte,
        "LT" => Op::Lt,
        "LTE" => Op::Lte,
        "BETWEEN" => Op::Between,
        "IN" => Op::In,
        "NOT_IN" => Op::NotIn,
        "HAS_PROPERTY" => Op::HasProperty,
        "NOT_HAS_PROPERTY" => Op::NotHasProperty,
        "CONTAINS_TOKEN" => Op::ContainsToken,
        "NOT_CONTAINS_TOKEN" => Op::NotContainsToken,
        _ => return None,
    })
}

fn flavor(object: Object, prop: PropRef) -> Flavor {
    match prop {
        PropRef::Created | PropRef::Modified => Flavor::Time,
        PropRef::ObjectId => Flavor::Num,
        PropRef::Stored(i) => match object.props()[i].kind {
            Kind::DateTime => Flavor::Time,
            Kind::Number => Flavor::Num,
            _ => Flavor::Text,
        },
    }
}

fn as_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn key_of(flavor: Flavor, text: Option<&str>, name: &str) -> Result<Option<Key>, HsError> {
    let Some(t) = text else { return Ok(None) };
    let bad =
        || HsError::validation(format!("There was a problem with the request: '{t}' is not a valid value for {name}"));
    match flavor {
        Flavor::Time => parse_time_ms(t).map(|ms| Some(Key::Time(ms))).ok_or_else(bad),
        Flavor::Num => t.trim().parse().map(|n| Some(Key::Num(n))).map_err(|_| bad()),
        Flavor::Text => Ok(None),
    }
}

fn compile(object: Object, f: &Value) -> Result<Filter, HsError> {
    let name = f.get("propertyName").and_then(Value::as_str).unwrap_or("");
    let prop = object.lookup(name).ok_or_else(|| {
        HsError::validation(format!("There was a problem with the request: unknown property '{name}'"))
    })?;
    let op_name = f.get("operator").and_then(Value::as_str).unwrap_or("");
    let op = op_of(op_name).ok_or_else(|| {
        HsError::validation(format!("There was a problem with the request: unknown operator '{op_name}'"))
    })?;
    let kind = flavor(object, prop);
    let value = f.get("value").and_then(as_text);
    let high_text = f.get("highValue").and_then(as_text);
    let values =
        f.get("values").and_then(Value::as_array).map_or(Vec::new(), |a| a.iter().filter_map(as_text).collect());
    let key = key_of(kind, value.as_deref(), name)?;
    let high = key_of(kind, high_text.as_deref(), name)?;
    let needs_value = matches!(op, Op::Eq | Op::Neq | Op::Gt | Op::Gte | Op::Lt | Op::Lte | Op::Between);
    if needs_value && value.is_none() {
        return Err(HsError::validation(format!(
            "There was a problem with the request: {op_name} on {name} needs a value"
        )));
    }
    let time = match key {
        Some(Key::Time(ms)) => Some(ms),
        _ => None,
    };
    Ok(Filter { prop, op, time, value: value.map(|v| v.to_lowercase()), values, key, high, kind })
}

/// `filterGroups` → groups of compiled filters (HubSpot allows 5 groups, 6 filters each).
pub fn compile_groups(object: Object, body: &Value) -> Result<Vec<Vec<Filter>>, HsError> {
    let groups = body.get("filterGroups").and_then(Value::as_array).map_or(&[][..], Vec::as_slice);
    if groups.len() > 5 {
        return Err(HsError::validation("There was a problem with the request: at most 5 filterGroups are allowed"));
    }
    groups
        .iter()
        .map(|g| {
            let filters = g.get("filters").and_then(Value::as_array).map_or(&[][..], Vec::as_slice);
            if filters.len() > 6 {
                return Err(HsError::validation("There was a problem with the request: at most 6 filters per group"));
            }
            filters.iter().map(|f| compile(object, f)).collect()
        })
        .collect()
}

impl Filter {
    fn record_key(&self, r: &Record) -> Option<Key> {
        match self.prop {
            PropRef::Created => Some(Key::Time(r.created)),
            PropRef::Modified => Some(Key::Time(r.updated)),
            PropRef::ObjectId => Some(Key::Num(r.id as f64)),
            PropRef::Stored(i) => {
                let v = r.value(i)?;
                match self.kind {
                    Flavor::Time => parse_time_ms(v).map(Key::Time),
                    Flavor::Num => v.parse().ok().map(Key::Num),
                    Flavor::Text => None,
                }
            }
        }
    }

    pub fn matches(&self, r: &Record) -> bool {
        let text = || r.get(self.prop).map(|v| v.to_lowercase());
        match self.op {
            Op::HasProperty => return r.get(self.prop).is_some(),
            Op::NotHasProperty => return r.get(self.prop).is_none(),
            Op::In => return text().is_some_and(|t| self.values.iter().any(|v| v.to_lowercase() == t)),
            Op::NotIn => return !text().is_some_and(|t| self.values.iter().any(|v| v.to_lowercase() == t)),
            Op::ContainsToken | Op::NotContainsToken => {
                let needle = self.value.as_deref().unwrap_or("").trim_matches('*');
                let has = text().is_some_and(|t| t.contains(needle));
                return has == (self.op == Op::ContainsToken);
            }
            _ => {}
        }
        let ord = match (self.kind, self.record_key(r), self.key) {
            (Flavor::Text, _, _) => match (text(), &self.value) {
                (Some(t), Some(v)) => t.cmp(v),
                _ => return self.op == Op::Neq,
            },
            (_, Some(Key::Time(a)), Some(Key::Time(b))) => a.cmp(&b),
            (_, Some(Key::Num(a)), Some(Key::Num(b))) => a.partial_cmp(&b).unwrap_or(std::cmp::Ordering::Equal),
            _ => return self.op == Op::Neq,
        };
        use std::cmp::Ordering::*;
        match self.op {
            Op::Eq => ord == Equal,
            Op::Neq => ord != Equal,
            Op::Gt => ord == Greater,
            Op::Gte => ord != Less,
            Op::Lt => ord == Less,
            Op::Lte => ord != Greater,
            Op::Between => {
                ord != Less
                    && match (self.record_key(r), self.high) {
                        (Some(Key::Time(a)), Some(Key::Time(h))) => a <= h,
                        (Some(Key::Num(a)), Some(Key::Num(h))) => a <= h,
                        _ => false,
                    }
            }
            _ => false,
        }
    }
}

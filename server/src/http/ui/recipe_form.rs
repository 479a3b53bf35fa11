//! The recipe editor's form: parsing what it posts into a recipe, and filling its rows from
//! a recipe and the destination's fields. The editor works without JavaScript, so the form
//! is a flat list of `rule-{i}-…` fields (see `MappingRowView`).

use hitch_app::models::{Choice, FieldState, MappingRowView};
use serde_json::Value;

use crate::sync::connector::{FieldSpec, ObjectSpec};
use crate::sync::mapping::{Filter, LookupTable, Mapping, OnMissing, Rule, Source, Transform};
use crate::sync::recipes::RecipeSpec;

/// The posted fields, in order (checkbox groups repeat a name).
pub struct Posted(pub Vec<(String, String)>);

impl Posted {
    pub fn get(&self, name: &str) -> String {
        self.0.iter().find(|(k, _)| k == name).map(|(_, v)| v.trim().to_owned()).unwrap_or_default()
    }

    fn all(&self, name: &str) -> Vec<String> {
        self.0.iter().filter(|(k, _)| k == name).map(|(_, v)| v.clone()).collect()
    }

    /// The row indexes present in the form.
    fn rows(&self) -> Vec<usize> {
        let mut rows: Vec<usize> =
            self.0.iter().filter_map(|(k, _)| k.strip_prefix("rule-")?.strip_suffix("-target")?.parse().ok()).collect();
        rows.sort_unstable();
        rows.dedup();
        rows
    }

    /// The editor's rows as posted.
    pub fn mapping_rows(&self) -> Vec<MappingRowView> {
        self.rows()
            .into_iter()
            .map(|i| {
                let f = |name: &str| self.get(&format!("rule-{i}-{name}"));
                let kind = match f("kind").as_str() {
                    k @ ("constant" | "template") => k.to_owned(),
                    _ => "field".to_owned(),
                };
                let value = if kind == "field" { f("field") } else { f("text") };
                MappingRowView {
                    target: f("target"),
                    target_label: f("target"),
                    target_required: false,
                    kind,
                    value,
                    transforms: self.all(&format!("rule-{i}-transforms")),
                    date_format: f("date_format"),
                    lookup: self.get(&format!("rule-{i}-lookup")),
                    on_missing: f("on_missing"),
                    default_value: f("default"),
                    error: None,
                }
            })
            .collect()
    }

    /// The trigger the "When it runs" fields describe.
    pub fn trigger(&self) -> Result<crate::schedule::Trigger, crate::domain::ValidationError> {
        use crate::schedule::Trigger;
        match self.get("trigger_kind").as_str() {
            "cron" => Trigger::parse_cron(&self.get("cron"), &self.get("time_zone")),
            "interval" => {
                let minutes: u64 = self.get("every_minutes").parse().map_err(|_| {
                    crate::domain::ValidationError::new("Enter the interval as a whole number of minutes.")
                })?;
                Trigger::interval(minutes.saturating_mul(60))
            }
            "webhook" => Ok(Trigger::Webhook),
            _ => Ok(Trigger::Manual),
        }
    }

    /// The recipe the form describes, or the problems reading it.
    pub fn spec(&self) -> Result<RecipeSpec, Vec<String>> {
        let mut problems = Vec::new();
        let rules = self
            .mapping_rows()
            .iter()
            .filter_map(|row| rule(row).transpose())
            .filter_map(|r| r.map_err(|e| problems.push(e)).ok())
            .collect();
        let trigger = match self.trigger() {
            Ok(t) => t,
            Err(e) => {
                problems.push(format!("Schedule: {e}"));
                crate::schedule::Trigger::default()
            }
        };
        let filter_text = self.get("filter");
        let filter = if filter_text.trim().is_empty() {
            None
        } else {
            match Filter::parse_lines(&filter_text) {
                Ok(f) => Some(f),
                Err(e) => {
                    problems.push(format!("Filter: {e}"));
                    None
                }
            }
        };
        if !problems.is_empty() {
            return Err(problems);
        }
        Ok(RecipeSpec {
            name: self.get("name"),
            source_connection_id: self.get("source_connection"),
            source_object: self.get("source_object"),
            destination_connection_id: self.get("destination_connection"),
            destination_object: self.get("destination_object"),
            mapping: Mapping { rules, filter },
            mode: match self.get("mode").as_str() {
                "" => "incremental".into(),
                m => m.to_owned(),
            },
            delete_policy: match self.get("delete_policy").as_str() {
                "" => "ignore".into(),
                p => p.to_owned(),
            },
            upsert_key: self.get("upsert_key"),
            enabled: true,
            trigger,
        })
    }
}

/// Text typed as a constant or default: JSON numbers and booleans stay typed; the rest is text.
fn typed(text: &str) -> Value {
    match serde_json::from_str::<Value>(text) {
        Ok(v @ (Value::Number(_) | Value::Bool(_))) => v,
        _ => Value::String(text.to_owned()),
    }
}

/// The rule a row describes; None for a destination field left unmapped.
fn rule(row: &MappingRowView) -> Result<Option<Rule>, String> {
    if row.value.trim().is_empty() && row.kind != "constant" {
        return Ok(None);
    }
    let source = match row.kind.as_str() {
        "constant" => Source::Constant(typed(&row.value)),
        "template" => Source::Template(row.value.clone()),
        _ => Source::Field(row.value.trim().to_owned()),
    };
    let mut transforms = Vec::new();
    for name in ["trim", "lower", "upper", "number", "date", "lookup"] {
        if !row.transforms.iter().any(|t| t == name) {
            continue;
        }
        transforms.push(match name {
            "trim" => Transform::Trim,
            "lower" => Transform::Lower,
            "upper" => Transform::Upper,
            "number" => Transform::Number,
            "date" => Transform::Date {
                format: if row.date_format.is_empty() { "%Y-%m-%d".into() } else { row.date_format.clone() },
                input: None,
            },
            _ => {
                let mut entries = Vec::new();
                for line in row.lookup.lines().map(str::trim).filter(|l| !l.is_empty()) {
                    let Some((from, to)) = line.split_once('=') else {
                        return Err(format!("'{}': lookup line \"{line}\" needs the form from=to.", row.target));
                    };
                    entries.push((from.trim().to_owned(), typed(to.trim())));
                }
                let on_missing = match row.on_missing.as_str() {
                    "keep" => OnMissing::Keep,
                    "default" => OnMissing::Default,
                    _ => OnMissing::Error,
                };
                Transform::Lookup { table: LookupTable::new(entries), on_missing }
            }
        });
    }
    let default = (!row.default_value.is_empty()).then(|| typed(&row.default_value));
    Ok(Some(Rule { target: row.target.clone(), source, transforms, default }))
}

/// A rule as an editor row.
fn row_from_rule(rule: &Rule) -> MappingRowView {
    let (kind, value) = match &rule.source {
        Source::Field(f) => ("field", f.clone()),
        Source::Constant(Value::String(s)) => ("constant", s.clone()),
        Source::Constant(v) => ("constant", v.to_string()),
        Source::Template(t) => ("template", t.clone()),
    };
    let mut row = MappingRowView { target: rule.target.clone(), kind: kind.into(), value, ..MappingRowView::default() };
    for t in &rule.transforms {
        match t {
            Transform::Trim => row.transforms.push("trim".into()),
            Transform::Lower => row.transforms.push("lower".into()),
            Transform::Upper => row.transforms.push("upper".into()),
            Transform::Number => row.transforms.push("number".into()),
            Transform::Date { format, .. } => {
                row.transforms.push("date".into());
                row.date_format = format.clone();
            }
            Transform::Lookup { table, on_missing } => {
                row.transforms.push("lookup".into());
                row.lookup = table
                    .entries()
                    .iter()
                    .map(|(k, v)| format!("{k}={}", v.as_str().map(str::to_owned).unwrap_or_else(|| v.to_string())))
                    .collect::<Vec<_>>()
                    .join("\n");
                row.on_missing = match on_missing {
                    OnMissing::Error => "error",
                    OnMissing::Keep => "keep",
                    OnMissing::Default => "default",
                }
                .into();
            }
        }
    }
    row.default_value = match &rule.default {
        Some(Value::String(s)) => s.clone(),
        Some(v) => v.to_string(),
        None => String::new(),
    };
    row
}

/// One row per writable destination field, filled from `existing` rows (what was posted or
/// stored) and otherwise from a source field of the same name.
pub fn rows_for(
    destination: Option<&ObjectSpec>,
    source: &[FieldSpec],
    existing: Vec<MappingRowView>,
) -> Vec<MappingRowView> {
    let Some(destination) = destination else { return existing };
    let mut rows: Vec<MappingRowView> = destination
        .fields
        .iter()
        .filter(|f| !f.read_only)
        .map(|f| {
            let mut row = existing.iter().find(|r| r.target == f.name).cloned().unwrap_or_else(|| {
                let same_name = source.iter().find(|s| s.name.eq_ignore_ascii_case(&f.name)).map(|s| s.name.clone());
                MappingRowView {
                    target: f.name.clone(),
                    kind: "field".into(),
                    value: same_name.unwrap_or_default(),
                    ..MappingRowView::default()
                }
            });
            row.target_label = f.label.clone();
            row.target_required = f.required;
            row
        })
        .collect();
    // Rules for fields the destination no longer lists stay visible, so they can be fixed.
    rows.extend(
        existing.into_iter().filter(|r| !destination.fields.iter().any(|f| f.name == r.target) && !r.value.is_empty()),
    );
    rows
}

pub fn rows_from_mapping(mapping: &Mapping) -> Vec<MappingRowView> {
    mapping.rules.iter().map(row_from_rule).collect()
}

pub fn choices(objects: &[ObjectSpec]) -> Vec<Choice> {
    objects.iter().map(|o| (o.name.clone(), o.label.clone())).collect()
}

pub fn field_state(value: &str) -> FieldState {
    FieldState { value: value.to_owned(), error: None }
}

#[cfg(test)]
#[allow(clippy::panic, clippy::unwrap_used)]
mod tests {
    use super::*;

    fn posted(pairs: &[(&str, &str)]) -> Posted {
        Posted(pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect())
    }

    #[test]
    fn form_rows_become_rules_and_back() {
        let p = posted(&[
            ("name", "Contacts to DB"),
            ("rule-0-target", "email"),
            ("rule-0-kind", "field"),
            ("rule-0-field", "email"),
            ("rule-0-transforms", "trim"),
            ("rule-0-transforms", "lower"),
            ("rule-1-target", "stage"),
            ("rule-1-kind", "field"),
            ("rule-1-field", "lifecyclestage"),
            ("rule-1-transforms", "lookup"),
            ("rule-1-lookup", "lead=L\ncustomer=C"),
            ("rule-1-on_missing", "keep"),
            ("rule-2-target", "origin"),
            ("rule-2-kind", "constant"),
            ("rule-2-text", "hubspot"),
            ("rule-3-target", "phone"),
            ("rule-3-kind", "field"),
            ("rule-3-field", ""),
            ("filter", "email exists"),
        ]);
        let spec = p.spec().unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(spec.mapping.rules.len(), 3, "the unmapped phone row is no rule");
        assert_eq!(spec.mapping.rules[0].transforms, vec![Transform::Trim, Transform::Lower]);
        let back = rows_from_mapping(&spec.mapping);
        assert_eq!(back[1].lookup, "lead=L\ncustomer=C");
        assert_eq!(back[1].on_missing, "keep");
        assert_eq!(back[2].kind, "constant");
        assert!(spec.mapping.filter.is_some());
    }

    #[test]
    fn bad_lookup_lines_and_filters_are_named() {
        let p = posted(&[
            ("rule-0-target", "s"),
            ("rule-0-field", "x"),
            ("rule-0-transforms", "lookup"),
            ("rule-0-lookup", "nonsense"),
            ("filter", "x frobnicates y"),
        ]);
        let problems = p.spec().err().unwrap_or_default();
        assert!(problems.iter().any(|p| p.contains("from=to")), "{problems:?}");
        assert!(problems.iter().any(|p| p.starts_with("Filter")), "{problems:?}");
    }
}

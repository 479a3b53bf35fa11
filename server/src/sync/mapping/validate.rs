//! Save-time checks of a mapping against the two sides' fields, with messages for a person.

use std::collections::HashMap;

use serde_json::Value;

use super::MappingProblem;
use super::compile::compile_rule;
use super::filter::{CompiledFilter, Filter};
use super::model::{Mapping, OnMissing, Rule, Source, Transform};
use super::path::root_of;
use super::template::Template;
use super::text::show;
use crate::sync::connector::{FieldKind, FieldSpec};

/// One side of a recipe as messages name it ("HubSpot contacts"), with its fields. An empty
/// field list means "not known" (some sources cannot list fields): those checks are skipped.
#[derive(Debug, Clone, Copy)]
pub struct Schema<'a> {
    /// The connection and object in words, e.g. "HubSpot contacts".
    pub name: &'a str,
    /// The object's fields.
    pub fields: &'a [FieldSpec],
}

impl<'a> Schema<'a> {
    /// A side named `name` with `fields`.
    pub fn new(name: &'a str, fields: &'a [FieldSpec]) -> Self {
        Self { name, fields }
    }

    fn field(&self, name: &str) -> Option<&'a FieldSpec> {
        self.fields.iter().find(|f| f.name == name)
    }

    /// Whether a name or dotted path can be read: the whole name (some systems allow dots
    /// in names) or, for a path, its first segment.
    fn can_read(&self, name: &str) -> bool {
        self.fields.is_empty() || self.field(name).is_some() || self.field(root_of(name)).is_some()
    }
}

impl Mapping {
    /// Everything wrong with the mapping for these two sides, each problem naming the rule's
    /// target; empty when it can be saved. Covers what [`Mapping::compile`] refuses plus
    /// unknown fields, read-only and duplicate targets, constants of the wrong type, and
    /// required destination fields left without a rule.
    pub fn validate(&self, source: Schema<'_>, dest: Schema<'_>) -> Vec<MappingProblem> {
        let mut problems = Vec::new();
        if self.rules.is_empty() {
            problems.push(MappingProblem {
                rule: None,
                target: None,
                message: "The mapping has no rules: add one for each field to fill.".to_owned(),
            });
        }
        let mut seen: HashMap<&str, usize> = HashMap::new();
        for (index, rule) in self.rules.iter().enumerate() {
            let mut add = |what: String| problems.push(MappingProblem::for_rule(index, &rule.target, what));
            if let Err(why) = compile_rule(rule) {
                why.into_iter().for_each(&mut add);
            }
            check_source(rule, source).into_iter().for_each(&mut add);
            check_target(rule, dest).into_iter().for_each(&mut add);
            let count = seen.entry(rule.target.as_str()).or_default();
            *count += 1;
            if *count == 2 && !rule.target.trim().is_empty() {
                let total = self.rules.iter().filter(|r| r.target == rule.target).count();
                add(format!("{total} rules write this field; keep one"));
            }
        }
        for field in dest.fields.iter().filter(|f| f.required && !f.read_only) {
            if !seen.contains_key(field.name.as_str()) {
                problems.push(MappingProblem {
                    rule: None,
                    target: Some(field.name.clone()),
                    message: format!("{} requires '{}': add a rule for it.", dest.name, field.name),
                });
            }
        }
        if let Some(filter) = &self.filter {
            problems.extend(check_filter(filter, source).into_iter().map(MappingProblem::for_filter));
        }
        problems
    }
}

fn check_source(rule: &Rule, source: Schema<'_>) -> Vec<String> {
    match &rule.source {
        Source::Field(name) if !name.trim().is_empty() && !source.can_read(name) => {
            vec![format!("{} has no field '{name}'", source.name)]
        }
        Source::Template(text) => match Template::parse(text) {
            Ok(template) => template
                .fields()
                .filter(|name| !source.can_read(name))
                .map(|name| format!("the template refers to '{name}', which {} does not have", source.name))
                .collect(),
            // compile_rule has reported the parse error.
            Err(_) => Vec::new(),
        },
        _ => Vec::new(),
    }
}

fn check_target(rule: &Rule, dest: Schema<'_>) -> Vec<String> {
    let mut problems = Vec::new();
    let uses_default =
        rule.transforms.iter().any(|t| matches!(t, Transform::Lookup { on_missing: OnMissing::Default, .. }));
    if uses_default && rule.default.is_none() {
        problems.push("the lookup uses the rule's default for unknown values, but the rule has no default".to_owned());
    }
    if dest.fields.is_empty() || rule.target.trim().is_empty() {
        return problems;
    }
    let Some(spec) = dest.field(&rule.target) else {
        problems.push(format!("{} has no field '{}'", dest.name, rule.target));
        return problems;
    };
    if spec.read_only {
        problems.push(format!("{} sets this field itself, so it cannot be written", dest.name));
    }
    // A transformed constant is checked by the transforms at run time, not here.
    if let (Source::Constant(value), true) = (&rule.source, rule.transforms.is_empty()) {
        problems.extend(wrong_type(spec.kind, value, "constant"));
    }
    if let Some(default) = &rule.default {
        problems.extend(wrong_type(spec.kind, default, "default"));
    }
    problems
}

/// A number or true/false field given a value of another type (null is fine: it clears).
fn wrong_type(kind: FieldKind, value: &Value, what: &str) -> Option<String> {
    match (kind, value) {
        (_, Value::Null) | (FieldKind::Number, Value::Number(_)) | (FieldKind::Boolean, Value::Bool(_)) => None,
        (FieldKind::Number, v) => Some(format!("this field holds numbers, but the {what} is {}", show(v, false))),
        (FieldKind::Boolean, v) => Some(format!("this field holds true/false, but the {what} is {}", show(v, false))),
        _ => None,
    }
}

fn check_filter(filter: &Filter, source: Schema<'_>) -> Vec<String> {
    let mut problems = CompiledFilter::compile(filter).err().unwrap_or_default();
    for c in filter.conditions() {
        if !c.field.trim().is_empty() && !source.can_read(&c.field) {
            problems.push(format!("{} has no field '{}'", source.name, c.field));
        }
    }
    if let Filter::Any(conditions) = filter
        && conditions.is_empty()
    {
        problems.push("'match any' has no conditions, so no record would pass".to_owned());
    }
    problems
}

#[cfg(test)]
#[path = "validate_tests.rs"]
mod tests;

//! A mapping explained: in words for the recipe page, and as the source fields it reads so a
//! connector asks only for those.

use std::collections::BTreeSet;

use serde_json::Value;

use super::model::{Mapping, OnMissing, Rule, Source, Transform};
use super::path::root_of;
use super::template::Template;
use super::text::shorten;

impl Mapping {
    /// The top-level source fields the rules and the filter read, sorted and without
    /// repeats. A dotted path contributes its first segment (`address.city` → `address`),
    /// which is what a connector can request.
    pub fn referenced_source_fields(&self) -> Vec<String> {
        let mut names = BTreeSet::new();
        for rule in &self.rules {
            match &rule.source {
                Source::Field(name) => {
                    names.insert(root_of(name).to_owned());
                }
                // A broken template reads nothing; validation reports it.
                Source::Template(text) => {
                    if let Ok(template) = Template::parse(text) {
                        names.extend(template.fields().map(|f| root_of(f).to_owned()));
                    }
                }
                Source::Constant(_) => {}
            }
        }
        if let Some(filter) = &self.filter {
            names.extend(filter.conditions().iter().map(|c| root_of(&c.field).to_owned()));
        }
        names.retain(|n| !n.trim().is_empty());
        names.into_iter().collect()
    }

    /// Each rule as (target, description), in order: `("email", "email → trim → lower")`,
    /// `("full_name", "template “{{firstname}} {{lastname}}”")`.
    pub fn describe(&self) -> Vec<(String, String)> {
        self.rules.iter().map(|rule| (rule.target.clone(), describe_rule(rule))).collect()
    }
}

fn describe_rule(rule: &Rule) -> String {
    let mut out = match &rule.source {
        Source::Field(name) => name.clone(),
        Source::Constant(value) => format!("constant {}", literal(value)),
        Source::Template(text) => format!("template “{text}”"),
    };
    for transform in &rule.transforms {
        out.push_str(" → ");
        out.push_str(&describe_transform(transform));
    }
    if let Some(default) = &rule.default {
        out.push_str(&format!(", or {} when empty", literal(default)));
    }
    out
}

fn describe_transform(transform: &Transform) -> String {
    match transform {
        Transform::Trim => "trim".to_owned(),
        Transform::Lower => "lower".to_owned(),
        Transform::Upper => "upper".to_owned(),
        Transform::Number => "number".to_owned(),
        Transform::Date { format, input: None } => format!("date “{format}”"),
        Transform::Date { format, input: Some(input) } => format!("date “{format}” (read as “{input}”)"),
        Transform::Lookup { table, on_missing } => {
            let entries = match table.len() {
                1 => "1 entry".to_owned(),
                n => format!("{n} entries"),
            };
            let others = match on_missing {
                OnMissing::Error => "",
                OnMissing::Keep => ", others kept",
                OnMissing::Default => ", others use the default",
            };
            format!("lookup ({entries}{others})")
        }
    }
}

/// A value as written in a description: text in quotes, anything else as JSON, shortened.
fn literal(value: &Value) -> String {
    match value {
        Value::String(s) => format!("“{}”", shorten(s, 60)),
        other => shorten(&other.to_string(), 60).into_owned(),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn mapping(v: serde_json::Value) -> Mapping {
        serde_json::from_value(v).unwrap_or_default()
    }

    #[test]
    fn describes_each_rule() {
        let m = mapping(json!({"rules": [
            {"target": "email", "source": {"field": "email"}, "transforms": [{"op": "trim"}, {"op": "lower"}]},
            {"target": "full_name", "source": {"template": "{{firstname}} {{lastname}}"}},
            {"target": "origin", "source": {"constant": "hubspot"}},
            {"target": "n", "source": {"constant": 3}},
            {"target": "status", "source": {"field": "stage"},
             "transforms": [{"op": "lookup", "table": {"a": 1, "b": 2}, "on_missing": "keep"}]},
            {"target": "d", "source": {"field": "created"}, "transforms": [{"op": "date", "format": "%Y", "input": "unix"}]},
            {"target": "phone", "source": {"field": "phone"}, "default": "n/a"}
        ]}));
        let described: Vec<(String, String)> = m.describe();
        let expected = [
            ("email", "email → trim → lower"),
            ("full_name", "template “{{firstname}} {{lastname}}”"),
            ("origin", "constant “hubspot”"),
            ("n", "constant 3"),
            ("status", "stage → lookup (2 entries, others kept)"),
            ("d", "created → date “%Y” (read as “unix”)"),
            ("phone", "phone, or “n/a” when empty"),
        ];
        assert_eq!(described, expected.map(|(a, b)| (a.to_owned(), b.to_owned())).to_vec());
    }

    #[test]
    fn lists_fields_read() {
        let m = mapping(json!({
            "rules": [
                {"target": "a", "source": {"field": "email"}},
                {"target": "b", "source": {"template": "{{ firstname }} {{address.city}} {{email}}"}},
                {"target": "c", "source": {"constant": "x"}},
                {"target": "d", "source": {"template": "{{broken"}}
            ],
            "filter": {"any": [{"field": "lifecyclestage", "op": "exists"}, {"field": "address.zip", "op": "exists"}]}
        }));
        assert_eq!(m.referenced_source_fields(), ["address", "email", "firstname", "lifecyclestage"]);
    }
}

//! A mapping compiled once per run, and mapping one record with it.

use std::borrow::Cow;

use serde_json::{Map, Value};

use super::filter::CompiledFilter;
use super::model::{Mapping, Rule, Source};
use super::path::FieldPath;
use super::redact::is_sensitive_name;
use super::template::Template;
use super::text::is_empty;
use super::transform::Step;
use super::{MappingProblem, RecordProblem};

/// A mapping ready to map records: templates parsed, lookup tables hashed, date formats
/// checked. Build it once per run with [`Mapping::compile`]; it owns everything it needs,
/// so it can move into a worker task.
#[derive(Debug, Clone, PartialEq)]
pub struct CompiledMapping {
    rules: Vec<CompiledRule>,
    filter: Option<CompiledFilter>,
}

#[derive(Debug, Clone, PartialEq)]
pub(super) struct CompiledRule {
    target: String,
    source: CompiledSource,
    steps: Vec<Step>,
    default: Option<Value>,
    /// Keep the value out of error messages (passwords, card numbers, …).
    sensitive: bool,
}

#[derive(Debug, Clone, PartialEq)]
enum CompiledSource {
    Field(FieldPath),
    Constant(Value),
    Template(Template),
}

impl Mapping {
    /// Compiles the mapping for a run. Fails with the problems that make it unusable
    /// (broken templates, bad date formats, empty lookups, incomplete filter conditions);
    /// [`Mapping::validate`] reports these and more at save time.
    pub fn compile(&self) -> Result<CompiledMapping, Vec<MappingProblem>> {
        let mut problems = Vec::new();
        let mut rules = Vec::with_capacity(self.rules.len());
        for (index, rule) in self.rules.iter().enumerate() {
            match compile_rule(rule) {
                Ok(compiled) => rules.push(compiled),
                Err(why) => problems.extend(why.into_iter().map(|w| MappingProblem::for_rule(index, &rule.target, w))),
            }
        }
        let filter = match self.filter.as_ref().map(CompiledFilter::compile).transpose() {
            Ok(filter) => filter,
            Err(why) => {
                problems.extend(why.into_iter().map(MappingProblem::for_filter));
                None
            }
        };
        if problems.is_empty() { Ok(CompiledMapping { rules, filter }) } else { Err(problems) }
    }

    /// Maps one record, compiling first: for previews and tests. A run compiles once and
    /// uses [`CompiledMapping::apply`].
    pub fn apply(&self, record: &Map<String, Value>) -> Result<Option<Map<String, Value>>, Vec<RecordProblem>> {
        let compiled = self.compile().map_err(|problems| {
            problems
                .into_iter()
                .map(|p| RecordProblem::mapping(p.target.as_deref().unwrap_or("filter"), p.message))
                .collect::<Vec<_>>()
        })?;
        compiled.apply(record)
    }
}

/// Compiles one rule; the errors are phrases (the caller names the rule).
pub(super) fn compile_rule(rule: &Rule) -> Result<CompiledRule, Vec<String>> {
    let mut problems = Vec::new();
    if rule.target.trim().is_empty() {
        problems.push("no destination field is chosen".to_owned());
    }
    let source = match &rule.source {
        Source::Field(name) if name.trim().is_empty() => {
            problems.push("no source field is chosen".to_owned());
            None
        }
        Source::Field(name) => Some(CompiledSource::Field(FieldPath::new(name))),
        Source::Constant(value) => Some(CompiledSource::Constant(value.clone())),
        Source::Template(text) => {
            Template::parse(text).map(CompiledSource::Template).map_err(|why| problems.push(why)).ok()
        }
    };
    let steps: Vec<Step> =
        rule.transforms.iter().filter_map(|t| Step::compile(t).map_err(|why| problems.push(why)).ok()).collect();
    match source {
        Some(source) if problems.is_empty() => Ok(CompiledRule {
            sensitive: is_sensitive_name(&rule.target)
                || matches!(&rule.source, Source::Field(name) if is_sensitive_name(name)),
            target: rule.target.clone(),
            source,
            steps,
            default: rule.default.clone(),
        }),
        _ => Err(problems),
    }
}

impl CompiledMapping {
    /// Maps one source record: `Ok(None)` when the filter leaves it out, `Ok(Some(fields))`
    /// for the destination, or every failing rule's problem (not just the first), so one
    /// look at a record error shows all that needs fixing.
    pub fn apply(&self, record: &Map<String, Value>) -> Result<Option<Map<String, Value>>, Vec<RecordProblem>> {
        if let Some(filter) = &self.filter
            && !filter.matches(record)
        {
            return Ok(None);
        }
        let mut out = Map::new();
        let mut problems = Vec::new();
        for rule in &self.rules {
            match rule.map(record) {
                Ok(Some(value)) => {
                    // After a failure the output is thrown away; skip building it.
                    if problems.is_empty() {
                        out.insert(rule.target.clone(), value);
                    }
                }
                Ok(None) => {}
                Err(message) => problems.push(RecordProblem::mapping(&rule.target, message)),
            }
        }
        if problems.is_empty() { Ok(Some(out)) } else { Err(problems) }
    }
}

impl CompiledRule {
    /// The target's value; None when the source field is missing and there is no default,
    /// so the destination keeps whatever it has.
    fn map(&self, record: &Map<String, Value>) -> Result<Option<Value>, String> {
        let start = match &self.source {
            CompiledSource::Field(path) => path.get(record).map(Cow::Borrowed),
            CompiledSource::Constant(value) => Some(Cow::Borrowed(value)),
            CompiledSource::Template(template) => Some(Cow::Owned(Value::String(template.render(record)?))),
        };
        let Some(mut value) = start else {
            return Ok(self.default.clone());
        };
        for step in &self.steps {
            value = step.apply(value, self.sensitive)?;
        }
        match &self.default {
            Some(default) if is_empty(&value) => Ok(Some(default.clone())),
            _ => Ok(Some(value.into_owned())),
        }
    }
}

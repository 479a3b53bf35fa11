//! Field mapping: how a source record becomes a destination record.
//!
//! A [`Mapping`] is what a person builds in the recipe editor and what is stored (as JSON)
//! with the recipe: a list of [`Rule`]s, one per destination field, and an optional
//! [`Filter`] on source records. It is checked at save time with [`Mapping::validate`],
//! compiled once per run with [`Mapping::compile`], and the [`CompiledMapping`] maps each
//! record with [`CompiledMapping::apply`]. Pure logic: no I/O anywhere in this module.
//!
//! Absent values follow one policy throughout: a source field missing from the record leaves
//! the target out of the output (so an update never clears a destination field because a
//! source omitted it), a null or empty result takes the rule's `default`, and every
//! transform passes null through untouched so the default can still apply after them.

mod compile;
mod date;
mod describe;
mod filter;
mod filter_text;
mod hash;
mod model;
mod path;
mod redact;
mod template;
mod text;
mod transform;
mod validate;

#[cfg(test)]
mod tests;

use serde::{Deserialize, Serialize};

pub use compile::CompiledMapping;
pub use filter::{Condition, Filter, FilterOp};
pub use hash::content_hash;
pub use model::{LookupTable, Mapping, OnMissing, Rule, Source, Transform};
pub use redact::{MAX_TEXT_CHARS, REDACTED, is_sensitive_name, redact};
pub use validate::Schema;

/// The stage word recorded with errors raised while mapping a record.
pub const STAGE: &str = "mapping";

/// A save-time problem with a mapping, in words fit to show next to the rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MappingProblem {
    /// Index of the rule in [`Mapping::rules`]; None for the filter and for missing rules.
    pub rule: Option<usize>,
    /// The destination field concerned, when there is one (also for "add a rule for it").
    pub target: Option<String>,
    /// A complete sentence that names the target.
    pub message: String,
}

impl MappingProblem {
    fn for_rule(index: usize, target: &str, what: impl std::fmt::Display) -> Self {
        if target.trim().is_empty() {
            // Nothing to name it by yet: its position in the editor (counting from 1).
            return Self { rule: Some(index), target: None, message: format!("Rule {}: {what}.", index + 1) };
        }
        Self { rule: Some(index), target: Some(target.to_owned()), message: format!("'{target}': {what}.") }
    }

    fn for_filter(what: impl std::fmt::Display) -> Self {
        Self { rule: None, target: None, message: format!("Filter: {what}.") }
    }
}

impl std::fmt::Display for MappingProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

/// Why one record could not be mapped: one per failing rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordProblem {
    /// The destination field whose rule failed.
    pub target: String,
    /// Where in a run it failed; always [`STAGE`] here.
    pub stage: String,
    /// What was wrong, naming the value (never the whole record), e.g. "'abc' is not a number".
    pub message: String,
}

impl RecordProblem {
    fn mapping(target: &str, message: String) -> Self {
        Self { target: target.to_owned(), stage: STAGE.to_owned(), message }
    }
}

impl std::fmt::Display for RecordProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.target, self.message)
    }
}

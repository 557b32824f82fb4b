//! Choice rules in JSONPath mode: comparison operators, `Is*` tests, `And`/`Or`/`Not`.

use crate::error::StatesError;
use crate::path::Scope;

/// A compiled Choice rule condition (without its `Next`, `Assign`, `Output` or `Comment`).
#[derive(Clone, Debug)]
pub struct Condition {
    _compiled: (),
}

/// A rule that does not compile, with the JSON Pointer (relative to the rule) of the bad field.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{pointer}: {message}")]
pub struct ConditionError {
    /// Where in the rule, e.g. `/And/1/StringEquals`.
    pub pointer: String,
    /// What is wrong.
    pub message: String,
}

impl Condition {
    /// Compiles a Choice rule object; `Next`, `Assign`, `Output` and `Comment` at its top level are ignored.
    pub fn compile(rule: &serde_json::Value) -> Result<Condition, ConditionError> {
        let _ = rule;
        todo!("choice rule compiler")
    }

    /// Evaluates the condition in `scope`.
    pub fn evaluate(&self, scope: &dyn Scope) -> Result<bool, StatesError> {
        let _ = scope;
        todo!()
    }
}

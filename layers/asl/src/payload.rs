//! Payload templates (`Parameters`, `ResultSelector`, `ItemSelector`, JSONPath-mode `Assign`): JSON
//! whose keys ending in `.$` take their value from a path or an intrinsic function. Compiled once.

use crate::Value;
use crate::error::StatesError;
use crate::path::Scope;

/// A compiled payload template.
#[derive(Clone, Debug)]
pub struct Template {
    _compiled: (),
}

/// A template that does not compile, with the JSON Pointer (relative to the template) of the bad field.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{pointer}: {message}")]
pub struct TemplateError {
    /// Where in the template, e.g. `/Payload/id.$`.
    pub pointer: String,
    /// What is wrong.
    pub message: String,
}

impl Template {
    /// Compiles a template.
    pub fn compile(template: &serde_json::Value) -> Result<Template, TemplateError> {
        let _ = template;
        todo!("payload template compiler")
    }

    /// Evaluates the template in `scope`.
    pub fn eval(&self, scope: &dyn Scope) -> Result<Value, StatesError> {
        let _ = scope;
        todo!()
    }
}

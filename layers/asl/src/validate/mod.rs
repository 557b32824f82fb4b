//! Validation of a definition before it runs, the way AWS's ValidateStateMachineDefinition does it.

use crate::diagnostic::Diagnostic;

/// Checks a whole definition (after `${...}` substitution) and returns every problem found, errors first.
pub fn validate(definition: &serde_json::Value) -> Vec<Diagnostic> {
    let _ = definition;
    todo!("validator")
}

//! State machine definitions: load (JSON/YAML + substitutions), validate, compile.

mod compile;
pub mod load;
pub mod model;

use std::collections::BTreeMap;
use std::sync::Arc;

pub use load::{Format, LoadError};
pub use model::QueryLanguage;

use crate::diagnostic::{Diagnostic, Severity};

/// A validated, compiled state machine, ready to run any number of times.
#[derive(Clone, Debug)]
pub struct StateMachine {
    pub(crate) root: Arc<model::Machine>,
    pub(crate) definition: Arc<serde_json::Value>,
    /// Warnings found while validating (errors make [`StateMachine::from_json`] fail).
    pub warnings: Vec<Diagnostic>,
}

/// Why a definition could not become a [`StateMachine`].
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DefinitionError {
    /// The text could not be read.
    #[error(transparent)]
    Load(#[from] LoadError),
    /// The definition is invalid; every problem found is listed.
    #[error("invalid definition:\n{}", .0.iter().map(|d| format!("  {d}")).collect::<Vec<_>>().join("\n"))]
    Invalid(Vec<Diagnostic>),
}

impl StateMachine {
    /// Parses, validates and compiles definition text.
    pub fn parse(
        text: &str,
        format: Format,
        substitutions: &BTreeMap<String, String>,
    ) -> Result<StateMachine, DefinitionError> {
        let json = load::load(text, format, substitutions)?;
        StateMachine::from_json(json)
    }

    /// Validates and compiles a definition already parsed as JSON.
    pub fn from_json(definition: serde_json::Value) -> Result<StateMachine, DefinitionError> {
        let diagnostics = crate::validate::validate(&definition);
        let (mut errors, warnings): (Vec<_>, Vec<_>) = diagnostics
            .into_iter()
            .partition(|d| d.severity == Severity::Error);
        if !errors.is_empty() {
            return Err(DefinitionError::Invalid(errors));
        }
        let root = compile::machine(&definition, "", QueryLanguage::JsonPath, &mut errors);
        if !errors.is_empty() {
            return Err(DefinitionError::Invalid(errors));
        }
        Ok(StateMachine {
            root: Arc::new(root),
            definition: Arc::new(definition),
            warnings,
        })
    }

    /// The definition as JSON (after substitutions).
    pub fn definition(&self) -> &serde_json::Value {
        &self.definition
    }
}

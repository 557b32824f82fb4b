//! The engine's view of JSONata: templates compiled once and evaluated with `$states` and the variables.
//! (Temporary: wired to `crate::jsonata` once that module lands.)

use crate::Value;
use crate::error::StatesError;

/// A JSON value whose `{% %}` strings are JSONata expressions.
#[derive(Debug)]
pub struct Template {
    source: String,
}

/// A template that does not compile.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct TemplateError(String);

impl Template {
    /// Compiles `json`, the value of field `field`.
    pub fn compile(json: &serde_json::Value, field: &str) -> Result<Template, TemplateError> {
        let _ = field;
        Ok(Template { source: json.to_string() })
    }

    /// The template as written.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// Evaluates with `$states` bound to `states` and `$name` to the variables.
    pub fn eval(&self, states: &Value, variables: &Value) -> Result<Value, StatesError> {
        let _ = (states, variables);
        Err(StatesError::query("JSONata is not available yet"))
    }
}

/// Whether `json` is (or contains) a `{% %}` expression.
pub fn is_expression_value(json: &serde_json::Value) -> bool {
    json.as_str().is_some_and(|s| s.trim_start().starts_with("{%"))
}

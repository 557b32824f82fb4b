//! Checks of `{% %}` JSONata expressions in JSONata states, with the JSONata module's compiler.

use serde_json::Value;

use super::{Validator, codes};
use crate::diagnostic::pointer;
use crate::jsonata::Expression;

/// Why a JSONata expression (without its `{% %}`) is refused: `(code, message)`, or `None`.
///
/// Measured by floci against AWS: "A JSONata expression that fails to parse ... is refused with
/// INVALID_JSONATA_EXPRESSION and the parser's own message" (without its `S0xxx` code); a reference AWS
/// does not offer is UNSUPPORTED_JSONATA_EXPRESSION: `Reference to '$$' is not supported.`, `Reference to
/// 'phone' at the top level is not supported.`, and `$states.errorOutput` outside a Catcher's `Output` or
/// `Assign`: `Field '$states.errorOutput' does not exist.`.
pub(crate) fn jsonata_expression_problem(
    expression: &str,
    error_output_allowed: bool,
) -> Option<(&'static str, String)> {
    let compiled = match Expression::compile(expression) {
        Ok(compiled) => compiled,
        Err(e) => return Some((codes::INVALID_JSONATA_EXPRESSION, e.message().to_owned())),
    };
    if let Some(message) = compiled.unsupported_reference() {
        return Some((codes::UNSUPPORTED_JSONATA_EXPRESSION, message));
    }
    if !error_output_allowed && compiled.reads_states_member("errorOutput") {
        return Some((
            codes::UNSUPPORTED_JSONATA_EXPRESSION,
            "Field '$states.errorOutput' does not exist.".into(),
        ));
    }
    None
}

/// The expression inside `{% ... %}`, if `s` opens and closes that way.
fn expression_of(s: &str) -> Option<&str> {
    s.strip_prefix("{%")?.strip_suffix("%}")
}

impl Validator {
    /// A string that must be a JSONata expression (`Condition`, `Items` as a string, a number field given
    /// as a string).
    pub(crate) fn jsonata_string(&mut self, s: &str, loc: &str) {
        match expression_of(s) {
            Some(expression) => {
                if let Some((code, message)) =
                    jsonata_expression_problem(expression, self.error_output_allowed)
                {
                    self.error(code, loc, message);
                }
            }
            // AWS: "JSONata string must start with {% and end with %}".
            None => self.schema(loc, "JSONata string must start with {% and end with %}"),
        }
    }

    /// Any JSON value in a JSONata field (`Arguments`, `Output`, `Assign`, `ItemSelector`): strings that
    /// open with `{%` are expressions and are checked, everything else is a literal.
    pub(crate) fn jsonata_value(&mut self, value: &Value, loc: &str) {
        match value {
            Value::String(s) if s.starts_with("{%") => self.jsonata_string(s, loc),
            Value::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    self.jsonata_value(item, &pointer(loc, i));
                }
            }
            Value::Object(fields) => {
                for (key, item) in fields {
                    self.jsonata_value(item, &pointer(loc, key));
                }
            }
            _ => {}
        }
    }
}

//! Checks of `{% %}` JSONata expressions in JSONata states.

use serde_json::Value;

use super::{Validator, codes};
use crate::diagnostic::pointer;

/// Why a JSONata expression is refused: (code, message), or `None` when it is accepted.
///
/// This is the syntax check `CreateStateMachine` applies ("A JSONata expression that fails to parse is
/// refused with INVALID_JSONATA_EXPRESSION and the parser's own message", measured by floci against
/// AWS), plus the references AWS refuses outright: `$$` ("UNSUPPORTED_JSONATA_EXPRESSION: Reference to
/// '$$' is not supported.").
pub(crate) fn jsonata_expression_problem(expression: &str) -> Option<(&'static str, String)> {
    match jsonata_core::parser::parse(expression) {
        Err(err) => {
            // AWS's message is the parser's text without its "S0xxx: " code.
            let text = err.to_string();
            let text = match text.split_once(": ") {
                Some((code, rest)) if code.len() == 5 && code.starts_with('S') => rest.to_owned(),
                _ => text,
            };
            Some((codes::INVALID_JSONATA_EXPRESSION, text))
        }
        Ok(ast) => {
            // The AST serializes to JSON, which lets one walk find `$$` (the parser's `ParentVariable`)
            // wherever it is nested.
            let tree = serde_json::to_value(&ast).ok()?;
            if contains_key(&tree, "ParentVariable") {
                return Some((
                    codes::UNSUPPORTED_JSONATA_EXPRESSION,
                    "Reference to '$$' is not supported.".into(),
                ));
            }
            None
        }
    }
}

fn contains_key(tree: &Value, key: &str) -> bool {
    match tree {
        Value::Object(o) => o.iter().any(|(k, v)| k == key || contains_key(v, key)),
        Value::Array(a) => a.iter().any(|v| contains_key(v, key)),
        _ => false,
    }
}

/// The expression inside `{% ... %}`, if `s` is written that way.
pub(crate) fn expression_of(s: &str) -> Option<&str> {
    s.strip_prefix("{%")?.strip_suffix("%}")
}

impl Validator {
    /// A string that must be a JSONata expression (`Condition`, `Items` as a string, a number field given
    /// as a string).
    pub(crate) fn jsonata_string(&mut self, s: &str, loc: &str) {
        match expression_of(s) {
            Some(expression) => self.jsonata_expression(expression, loc),
            // Measured on AWS: "JSONata string must start with {% and end with %}".
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

    fn jsonata_expression(&mut self, expression: &str, loc: &str) {
        if let Some((code, message)) = jsonata_expression_problem(expression) {
            self.error(code, loc, message);
        }
    }
}

//! The executor's use of [`crate::jsonata`]: evaluate a template with `$states` given as one object
//! (`{input, context, result?, errorOutput?}`) and the variables as an object.

use crate::Value;
use crate::error::StatesError;
pub use crate::jsonata::Template;
use crate::jsonata::{Env, States};

/// Evaluation with the executor's bindings.
pub(crate) trait EvalExt {
    /// Evaluates with `$states` = `states` and `$name` = `variables[name]`.
    fn eval(&self, states: &Value, variables: &Value) -> Result<Value, StatesError>;
    /// Same, and the result must be of JSON type `expected` (AWS's QueryEvaluationError otherwise).
    fn eval_as(
        &self,
        states: &Value,
        variables: &Value,
        expected: &str,
    ) -> Result<Value, StatesError>;
}

fn env<'a>(states: &'a Value, variables: &'a Value, empty: &'a Value) -> Env<'a> {
    let vars: &dyn crate::jsonata::Variables = match variables.as_object() {
        Some(map) => map,
        None => &(),
    };
    Env {
        states: States {
            input: states.get("input").unwrap_or(empty),
            context: states.get("context").unwrap_or(empty),
            result: states.get("result"),
            error_output: states.get("errorOutput"),
        },
        variables: vars,
    }
}

impl EvalExt for Template {
    fn eval(&self, states: &Value, variables: &Value) -> Result<Value, StatesError> {
        let empty = Value::Null;
        self.evaluate(&env(states, variables, &empty))
    }

    fn eval_as(
        &self,
        states: &Value,
        variables: &Value,
        expected: &str,
    ) -> Result<Value, StatesError> {
        let empty = Value::Null;
        self.evaluate_as(&env(states, variables, &empty), expected)
    }
}

//! The executor's use of [`crate::jsonata`]: `$states` from borrowed parts (the context object is built only
//! if an expression reads `$states.context`) and the variables as an object.

use super::context::LazyContext;
use crate::Value;
use crate::error::StatesError;
pub use crate::jsonata::Template;
use crate::jsonata::{ContextObject, Env, States};

/// What `$states` holds for one evaluation.
pub(crate) struct StatesBinding<'a> {
    pub context: &'a LazyContext<'a>,
    pub input: &'a Value,
    pub result: Option<&'a Value>,
    pub error_output: Option<&'a Value>,
}

impl ContextObject for LazyContext<'_> {
    fn context(&self) -> &Value {
        self.get()
    }
}

/// Evaluation with the executor's bindings.
pub(crate) trait EvalExt {
    /// Evaluates with `$states` from `states` and `$name` = `variables[name]`.
    fn eval(&self, states: &StatesBinding<'_>, variables: &Value) -> Result<Value, StatesError>;
    /// Same, and the result must be of JSON type `expected` (AWS's QueryEvaluationError otherwise).
    fn eval_as(
        &self,
        states: &StatesBinding<'_>,
        variables: &Value,
        expected: &str,
    ) -> Result<Value, StatesError>;
}

fn env<'a>(states: &'a StatesBinding<'a>, variables: &'a Value) -> Env<'a> {
    let variables: &dyn crate::jsonata::Variables = match variables.as_object() {
        Some(map) => map,
        None => &(),
    };
    Env {
        states: States {
            input: states.input,
            context: states.context,
            result: states.result,
            error_output: states.error_output,
        },
        variables,
    }
}

impl EvalExt for Template {
    fn eval(&self, states: &StatesBinding<'_>, variables: &Value) -> Result<Value, StatesError> {
        self.evaluate(&env(states, variables))
    }

    fn eval_as(
        &self,
        states: &StatesBinding<'_>,
        variables: &Value,
        expected: &str,
    ) -> Result<Value, StatesError> {
        self.evaluate_as(&env(states, variables), expected)
    }
}

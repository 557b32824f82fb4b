//! A `Scope` for unit tests: a state input, a context object and variables.

use crate::Value;
use crate::path::{Root, Scope};
use crate::value::Map;

/// Roots for tests.
#[derive(Default)]
pub(crate) struct TestScope {
    pub input: Value,
    pub context: Value,
    pub variables: Map,
}

impl TestScope {
    /// A scope whose state input is `input` and whose context holds it as `$$.Execution.Input`.
    pub fn with_input(input: Value) -> TestScope {
        let context = crate::json!({"Execution": {"Input": input.to_json()}});
        TestScope {
            input,
            context,
            variables: Map::default(),
        }
    }
}

impl Scope for TestScope {
    fn root(&self, root: &Root) -> Option<Value> {
        match root {
            Root::Input => Some(self.input.clone()),
            Root::Context => Some(self.context.clone()),
            Root::Variable(name) => self.variables.get(name).cloned(),
        }
    }
}

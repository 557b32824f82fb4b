//! Helpers for the crate's unit tests: a `Scope` with a state input, a context object and variables, and
//! the folder of AWS-recorded executions.

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

/// `<project root>/../shared/conformance/aws-recorded` (or `$SOAR_CONFORMANCE_DIR`): executions recorded
/// against real AWS, the oracle of every module's tests.
pub(crate) fn recordings_dir() -> std::path::PathBuf {
    match std::env::var_os("SOAR_CONFORMANCE_DIR") {
        Some(dir) => dir.into(),
        None => std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../../shared/conformance/aws-recorded"),
    }
}

//! Validation of a definition before it runs, the way AWS's ValidateStateMachineDefinition does it.
//!
//! The checks mirror what `ValidateStateMachineDefinition` and `CreateStateMachine` report: schema errors
//! (`SCHEMA_VALIDATION_FAILED`: unknown or misplaced fields, wrong types, out-of-range values, query-language
//! mixing), graph errors (`MISSING_TRANSITION_TARGET`, `MISSING_END_STATE`), name errors
//! (`DUPLICATE_STATE_NAME`, `INVALID_STATE_NAME`, labels, variables) and value syntax (paths, intrinsic
//! functions, payload templates, Choice rules, JSONata). Every problem is collected; errors come first.
//!
//! Messages use AWS's wording where it is known (measured against the service and quoted next to each
//! rule). Locations are JSON Pointers into the definition (AWS writes array indexes as `Choices[0]`; here
//! they are `/Choices/0`).

mod graph;
mod jsonata;
mod map;
mod rules;
mod state;
mod values;

#[cfg(test)]
mod tests;

use std::collections::HashSet;

use serde_json::{Map, Value};

use crate::diagnostic::{Diagnostic, Severity, pointer};

/// The diagnostic codes this validator emits (AWS's codes, from the ValidateStateMachineDefinition API).
pub mod codes {
    /// "Schema validation reported errors."
    pub const SCHEMA_VALIDATION_FAILED: &str = "SCHEMA_VALIDATION_FAILED";
    /// A transition names a state that does not exist in its scope, or a state cannot be reached.
    pub const MISSING_TRANSITION_TARGET: &str = "MISSING_TRANSITION_TARGET";
    /// "The workflow does not have a terminal state."
    pub const MISSING_END_STATE: &str = "MISSING_END_STATE";
    /// "The same state name appears more than once."
    pub const DUPLICATE_STATE_NAME: &str = "DUPLICATE_STATE_NAME";
    /// "The state name does not follow the naming convention."
    pub const INVALID_STATE_NAME: &str = "INVALID_STATE_NAME";
    /// Two Map states share a `Label`.
    pub const DUPLICATE_LABEL_NAME: &str = "DUPLICATE_LABEL_NAME";
    /// A Map `Label` does not follow the naming convention.
    pub const INVALID_LABEL_NAME: &str = "INVALID_LABEL_NAME";
    /// An `Assign` names a variable that is not a valid identifier.
    pub const INVALID_VARIABLE_NAME: &str = "INVALID_VARIABLE_NAME";
    /// An `Assign` names the reserved variable `states`.
    pub const RESERVED_VARIABLE_NAME: &str = "RESERVED_VARIABLE_NAME";
    /// A `{% %}` expression does not parse.
    pub const INVALID_JSONATA_EXPRESSION: &str = "INVALID_JSONATA_EXPRESSION";
    /// A `{% %}` expression uses something Step Functions does not offer there (`$$`).
    pub const UNSUPPORTED_JSONATA_EXPRESSION: &str = "UNSUPPORTED_JSONATA_EXPRESSION";
    /// Warning: "No .$ on a field that appears to be a JSONPath or Intrinsic Function."
    pub const NO_DOLLAR: &str = "NO_DOLLAR";
    /// Warning: "Field value looks like a path, but field name does not end with 'Path'."
    pub const NO_PATH: &str = "NO_PATH";
    /// Warning: "Attempt to use a path in the result of a pass state."
    pub const PASS_RESULT_IS_STATIC: &str = "PASS_RESULT_IS_STATIC";
}

/// Checks a whole definition (after `${...}` substitution) and returns every problem found, errors first.
pub fn validate(definition: &serde_json::Value) -> Vec<Diagnostic> {
    let mut v = Validator::default();
    v.root(definition);
    let mut diagnostics = v.diagnostics;
    // A stable sort keeps the discovery order inside each severity.
    diagnostics.sort_by_key(|d| d.severity);
    diagnostics
}

/// Whether `validate` found no error (warnings allowed): what AWS reports as `result: OK`.
pub fn is_valid(diagnostics: &[Diagnostic]) -> bool {
    diagnostics.iter().all(|d| d.severity != Severity::Error)
}

/// The query language a state's fields are read in.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) enum Ql {
    /// "If not provided for the state machine, the default value for each state is JSONPath."
    #[default]
    JsonPath,
    Jsonata,
}

impl Ql {
    fn name(self) -> &'static str {
        match self {
            Ql::JsonPath => "JSONPath",
            Ql::Jsonata => "JSONata",
        }
    }

    /// Measured on AWS: a `QueryLanguage` resolves to JSONPath only when it is exactly `"JSONPath"`;
    /// absent, it is inherited; any other value (wrong case, unknown string, non-string) is JSONata.
    fn resolve(declared: Option<&Value>, inherited: Ql) -> Ql {
        match declared {
            None => inherited,
            Some(Value::String(s)) if s == "JSONPath" => Ql::JsonPath,
            Some(_) => Ql::Jsonata,
        }
    }
}

/// What kind of state list is being checked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Scope {
    /// The top-level machine.
    Root,
    /// A Parallel branch.
    Branch,
    /// A Map `ItemProcessor` or legacy `Iterator`.
    Processor,
}

/// Collects diagnostics while walking a definition.
#[derive(Default)]
pub(crate) struct Validator {
    diagnostics: Vec<Diagnostic>,
    /// The machine's top-level query language. States inside branches and processors inherit it, not
    /// the enclosing state's (measured on AWS).
    machine_ql: Ql,
    /// Every state name seen so far, for DUPLICATE_STATE_NAME.
    state_names: HashSet<String>,
    /// Every Map `Label` seen so far, for DUPLICATE_LABEL_NAME.
    labels: HashSet<String>,
    /// Whether `$states.errorOutput` may be read: only in a Catcher's `Output` and `Assign`.
    error_output_allowed: bool,
}

impl Validator {
    pub(crate) fn error(
        &mut self,
        code: &'static str,
        location: impl Into<String>,
        message: impl Into<String>,
    ) {
        self.diagnostics
            .push(Diagnostic::error(code, location, message));
    }

    pub(crate) fn warning(
        &mut self,
        code: &'static str,
        location: impl Into<String>,
        message: impl Into<String>,
    ) {
        self.diagnostics
            .push(Diagnostic::warning(code, location, message));
    }

    /// A `SCHEMA_VALIDATION_FAILED` error.
    pub(crate) fn schema(&mut self, location: impl Into<String>, message: impl Into<String>) {
        self.error(codes::SCHEMA_VALIDATION_FAILED, location, message);
    }

    /// How many errors have been found so far.
    pub(crate) fn error_count(&self) -> usize {
        self.diagnostics
            .iter()
            .filter(|d| d.severity == Severity::Error)
            .count()
    }

    pub(crate) fn machine_ql(&self) -> Ql {
        self.machine_ql
    }

    fn root(&mut self, definition: &Value) {
        let Some(root) = definition.as_object() else {
            self.schema("", "Expected value of type [OBJECT]");
            return;
        };
        self.machine_ql = Ql::resolve(root.get("QueryLanguage"), Ql::JsonPath);
        for (key, value) in root {
            let loc = pointer("", key);
            match key.as_str() {
                "Comment" => {
                    self.expect_string(value, &loc);
                }
                "QueryLanguage" => self.query_language_value(value, &loc),
                // The structure page: "TimeoutSeconds (Optional): The maximum number of seconds an execution
                // of the state machine can run." Measured on AWS: 0 is accepted.
                "TimeoutSeconds" => self.integer_in(value, &loc, 0, Some(99_999_999)),
                // "Version (Optional): The version of the Amazon States Language used in the state machine
                // (default is "1.0")."
                "Version" => {
                    if let Some(v) = self.expect_string(value, &loc)
                        && v != "1.0"
                    {
                        self.schema(&loc, "Value should be one of the following: [1.0]");
                    }
                }
                "StartAt" | "States" => {}
                _ => self.not_supported("", key),
            }
        }
        self.machine(root, "", Scope::Root);
    }

    /// Checks the value of a `QueryLanguage` field (top level or state).
    pub(crate) fn query_language_value(&mut self, value: &Value, loc: &str) {
        if let Some(s) = self.expect_string(value, loc)
            && s != "JSONPath"
            && s != "JSONata"
        {
            self.schema(
                loc,
                "Value should be one of the following: [JSONPath, JSONata]",
            );
        }
    }

    /// Checks a state list: the top-level machine, a Parallel branch or a Map processor.
    pub(crate) fn machine(&mut self, obj: &Map<String, Value>, base: &str, scope: Scope) {
        if scope != Scope::Root {
            for key in obj.keys() {
                let allowed = match key.as_str() {
                    "StartAt" | "States" | "Comment" => true,
                    "ProcessorConfig" => scope == Scope::Processor,
                    // Measured on AWS: a branch or processor is not a state and carries no QueryLanguage:
                    // "Field 'QueryLanguage' is not supported".
                    _ => false,
                };
                if !allowed {
                    self.not_supported(base, key);
                }
            }
            if let Some(comment) = obj.get("Comment") {
                self.expect_string(comment, &pointer(base, "Comment"));
            }
        }
        let mut missing = Vec::new();
        let start_at = match obj.get("StartAt") {
            None => {
                missing.push("StartAt");
                None
            }
            Some(v) => self.expect_string(v, &pointer(base, "StartAt")),
        };
        let states_loc = pointer(base, "States");
        let states = match obj.get("States") {
            None => {
                missing.push("States");
                None
            }
            Some(v) => self.expect_object(v, &states_loc),
        };
        if !missing.is_empty() {
            self.required(base, &missing);
        }
        let Some(states) = states else { return };
        if states.is_empty() {
            self.schema(&states_loc, "Value cannot be empty");
        }
        for (name, st) in states {
            let loc = pointer(&states_loc, name);
            self.state_name(name, &loc);
            self.state(st, &loc);
        }
        self.graph(start_at, states, base, scope);
    }

    /// "These fields are required: [...]" at `loc`.
    pub(crate) fn required(&mut self, loc: &str, fields: &[&str]) {
        self.schema(
            loc,
            format!("These fields are required: [{}]", fields.join(", ")),
        );
    }

    /// "Field 'X' is not supported" at the object holding it (measured on AWS: the location is the
    /// state, not the field).
    pub(crate) fn not_supported(&mut self, loc: &str, field: &str) {
        self.schema(loc, format!("Field '{field}' is not supported"));
    }

    /// Measured on AWS: "There should only be one of the following fields: [A, B]", at the first field.
    pub(crate) fn only_one_of(&mut self, loc: &str, fields: &[&str]) {
        self.schema(
            loc,
            format!(
                "There should only be one of the following fields: [{}]",
                fields.join(", ")
            ),
        );
    }

    /// State names: unique across the whole machine, at most 80 characters.
    fn state_name(&mut self, name: &str, loc: &str) {
        // Quotas: "State name: 80 Unicode characters"; AWS reports INVALID_STATE_NAME beyond that.
        if name.chars().count() > 80 {
            self.error(
                codes::INVALID_STATE_NAME,
                loc,
                format!(
                    "State name '{name}' exceeds the 80-character limit allowed by the service"
                ),
            );
        }
        // The ASL spec: "State names MUST be unique within the scope of the whole state machine", branches
        // and processors included. AWS: "DUPLICATE_STATE_NAME: Duplicate State name: X", at the later one.
        if !self.state_names.insert(name.to_owned()) {
            self.error(
                codes::DUPLICATE_STATE_NAME,
                loc,
                format!("Duplicate State name: {name}"),
            );
        }
    }

    /// Map labels: unique across the machine.
    pub(crate) fn label(&mut self, label: &str, loc: &str) {
        if !self.labels.insert(label.to_owned()) {
            self.error(
                codes::DUPLICATE_LABEL_NAME,
                loc,
                format!("Duplicate Label name: {label}"),
            );
        }
    }
}

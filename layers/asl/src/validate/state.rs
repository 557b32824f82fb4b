//! Per-state checks: which fields each state type and query language accepts, and their values.

use serde_json::{Map, Value};

use super::{Ql, Scope, Validator, codes};
use crate::diagnostic::pointer;

/// The eight state types.
const TYPES: &[&str] = &[
    "Pass", "Succeed", "Fail", "Task", "Choice", "Wait", "Parallel", "Map",
];

/// The fields each state type accepts, whatever its query language. From AWS's own ASL schema
/// (amazon-states-language-service `validationSchema.ts`), which agrees with a measurement of 8 types x 50
/// fields against ValidateStateMachineDefinition: `TimeoutSeconds` only on Task, `Retry`/`Catch` only on
/// Task, Parallel and Map.
fn allowed_fields(ty: &str) -> &'static [&'static str] {
    match ty {
        "Pass" => &[
            "Type",
            "Comment",
            "QueryLanguage",
            "Next",
            "End",
            "InputPath",
            "OutputPath",
            "Assign",
            "Result",
            "ResultPath",
            "Parameters",
            "Output",
        ],
        "Task" => &[
            "Type",
            "Comment",
            "QueryLanguage",
            "Next",
            "End",
            "InputPath",
            "OutputPath",
            "Assign",
            "Resource",
            "Parameters",
            "Arguments",
            "Credentials",
            "ResultSelector",
            "ResultPath",
            "Output",
            "TimeoutSeconds",
            "TimeoutSecondsPath",
            "HeartbeatSeconds",
            "HeartbeatSecondsPath",
            "Retry",
            "Catch",
        ],
        "Wait" => &[
            "Type",
            "Comment",
            "QueryLanguage",
            "Next",
            "End",
            "InputPath",
            "OutputPath",
            "Assign",
            "Output",
            "Seconds",
            "Timestamp",
            "SecondsPath",
            "TimestampPath",
        ],
        "Parallel" => &[
            "Type",
            "Comment",
            "QueryLanguage",
            "Next",
            "End",
            "InputPath",
            "OutputPath",
            "Assign",
            "Branches",
            "Parameters",
            "Arguments",
            "ResultSelector",
            "ResultPath",
            "Output",
            "Retry",
            "Catch",
        ],
        "Map" => &[
            "Type",
            "Comment",
            "QueryLanguage",
            "Next",
            "End",
            "InputPath",
            "OutputPath",
            "Assign",
            "ItemProcessor",
            "Iterator",
            "ItemsPath",
            "Items",
            "ItemSelector",
            "Parameters",
            "ItemReader",
            "ItemBatcher",
            "ResultWriter",
            "MaxConcurrency",
            "MaxConcurrencyPath",
            "ToleratedFailurePercentage",
            "ToleratedFailurePercentagePath",
            "ToleratedFailureCount",
            "ToleratedFailureCountPath",
            "Label",
            "ResultSelector",
            "ResultPath",
            "Output",
            "Retry",
            "Catch",
        ],
        "Choice" => &[
            "Type",
            "Comment",
            "QueryLanguage",
            "InputPath",
            "OutputPath",
            "Assign",
            "Output",
            "Choices",
            "Default",
        ],
        "Succeed" => &[
            "Type",
            "Comment",
            "QueryLanguage",
            "InputPath",
            "OutputPath",
            "Output",
        ],
        "Fail" => &[
            "Type",
            "Comment",
            "QueryLanguage",
            "Error",
            "ErrorPath",
            "Cause",
            "CausePath",
        ],
        _ => &[],
    }
}

/// The query language a state field belongs to, if only one. "Transitioning to JSONata": JSONata states
/// use `Arguments`, `Output` and `Items`; the `*Path` fields, `Parameters`, `ResultSelector` and `Result`
/// are JSONPath only. `Assign` belongs to both (measured on AWS).
pub(crate) fn field_query_language(field: &str) -> Option<Ql> {
    match field {
        "InputPath"
        | "OutputPath"
        | "ResultPath"
        | "ResultSelector"
        | "Parameters"
        | "Result"
        | "ItemsPath"
        | "MaxConcurrencyPath"
        | "TimeoutSecondsPath"
        | "HeartbeatSecondsPath"
        | "SecondsPath"
        | "TimestampPath"
        | "ToleratedFailurePercentagePath"
        | "ToleratedFailureCountPath"
        | "ErrorPath"
        | "CausePath"
        | "Variable"
        | "MaxItemsPath"
        | "MaxItemsPerBatchPath"
        | "MaxInputBytesPerBatchPath" => Some(Ql::JsonPath),
        "Arguments" | "Output" | "Items" | "Condition" => Some(Ql::Jsonata),
        _ => None,
    }
}

/// Measured on AWS: "The QueryLanguage is set to 'JSONata', but field 'InputPath' is only supported for
/// the 'JSONPath' QueryLanguage".
pub(crate) fn wrong_language_message(ql: Ql, field: &str, field_ql: Ql) -> String {
    format!(
        "The QueryLanguage is set to '{}', but field '{field}' is only supported for the '{}' QueryLanguage",
        ql.name(),
        field_ql.name()
    )
}

/// What a state check needs to know about the state.
pub(crate) struct StateCx<'a> {
    pub(crate) ty: &'a str,
    pub(crate) ql: Ql,
    pub(crate) loc: &'a str,
    pub(crate) obj: &'a Map<String, Value>,
}

impl StateCx<'_> {
    pub(crate) fn field(&self, key: &str) -> String {
        pointer(self.loc, key)
    }

    pub(crate) fn has(&self, key: &str) -> bool {
        self.obj.contains_key(key)
    }
}

impl Validator {
    /// Checks one state, found at `loc`.
    pub(crate) fn state(&mut self, value: &Value, loc: &str) {
        let Some(obj) = self.expect_object(value, loc) else {
            return;
        };
        let ty = match obj.get("Type") {
            None => {
                self.required(loc, &["Type"]);
                None
            }
            Some(t) => {
                let tloc = pointer(loc, "Type");
                match self.expect_string(t, &tloc) {
                    Some(t) if TYPES.contains(&t) => Some(t),
                    Some(_) => {
                        self.schema(
                            &tloc,
                            format!(
                                "Value should be one of the following: [{}]",
                                TYPES.join(", ")
                            ),
                        );
                        None
                    }
                    None => None,
                }
            }
        };

        // The structure page: "You cannot revert a top-level JSONata-based state machine to a mix of
        // JSONata and JSONPath states." Measured on AWS: "'QueryLanguage' can not be 'JSONPath' if set to
        // 'JSONata' for whole state machine", at the state, and then no field is reported for belonging to
        // the other language.
        let machine_ql = self.machine_ql();
        let declared = obj.get("QueryLanguage");
        let downgraded =
            machine_ql == Ql::Jsonata && declared.and_then(Value::as_str) == Some("JSONPath");
        if downgraded {
            self.schema(
                loc,
                "'QueryLanguage' can not be 'JSONPath' if set to 'JSONata' for whole state machine",
            );
        }
        let ql = Ql::resolve(declared, machine_ql);

        let Some(ty) = ty else {
            if let Some(v) = declared {
                self.query_language_value(v, &pointer(loc, "QueryLanguage"));
            }
            return;
        };
        let allowed = allowed_fields(ty);
        let mut skip: Vec<&str> = Vec::new();
        for key in obj.keys() {
            if !allowed.contains(&key.as_str()) {
                // Measured on AWS: "Field 'TimeoutSeconds' is not supported", at the state.
                self.not_supported(loc, key);
                skip.push(key);
            } else if let Some(field_ql) = field_query_language(key)
                && field_ql != ql
            {
                if !downgraded {
                    self.schema(loc, wrong_language_message(ql, key, field_ql));
                }
                skip.push(key);
            }
        }

        let cx = StateCx { ty, ql, loc, obj };
        for (key, value) in obj {
            if skip.contains(&key.as_str()) {
                continue;
            }
            let floc = cx.field(key);
            self.state_field(&cx, key, value, &floc);
        }
        self.state_shape(&cx);
    }

    /// The value of one accepted field.
    fn state_field(&mut self, cx: &StateCx<'_>, key: &str, value: &Value, floc: &str) {
        let ql = cx.ql;
        match key {
            "Type" => {}
            "QueryLanguage" => self.query_language_value(value, floc),
            "Comment" => {
                self.expect_string(value, floc);
            }
            "Next" | "Default" => {
                self.expect_nonempty_string(value, floc);
            }
            "End" => {
                self.expect_bool(value, floc);
            }
            "InputPath" | "OutputPath" => self.nullable_path(value, floc),
            "ResultPath" => self.result_path(value, floc),
            "Parameters" | "ResultSelector" => self.payload_template(value, floc),
            "Result" => self.pass_result(value, floc),
            "Arguments" | "Output" => self.jsonata_value(value, floc),
            "Assign" => self.assign(ql, value, floc),
            "Resource" => self.resource(value, floc),
            "Credentials" => {
                if self.expect_object(value, floc).is_some() {
                    match ql {
                        Ql::JsonPath => self.payload_template(value, floc),
                        Ql::Jsonata => self.jsonata_value(value, floc),
                    }
                }
            }
            // The Task page: "TimeoutSeconds ... Must be a positive, non-zero integer"; both have a maximum
            // of 99999999.
            "TimeoutSeconds" | "HeartbeatSeconds" => {
                self.integer_or_expression(ql, value, floc, 1, Some(99_999_999))
            }
            "TimeoutSecondsPath" | "HeartbeatSecondsPath" | "SecondsPath" | "TimestampPath" => {
                self.reference_path(value, floc);
            }
            "Retry" => self.retriers(value, floc),
            "Catch" => self.catchers(ql, value, floc),
            "Choices" => self.choice_rules(ql, value, floc),
            "Seconds" => self.integer_or_expression(ql, value, floc, 0, Some(99_999_999)),
            "Timestamp" => self.timestamp_or_expression(ql, value, floc),
            "Error" | "Cause" => {
                self.string_or_expression(ql, value, floc);
                // AWS's NO_PATH warning: "Field value looks like a path, but field name does not end with
                // 'Path'."
                if ql == Ql::JsonPath
                    && let Some(s) = value.as_str()
                    && looks_like_path_or_call(s)
                {
                    self.warning(
                        codes::NO_PATH,
                        floc,
                        format!("The value of '{key}' looks like a path, but the field name does not end with 'Path'"),
                    );
                }
            }
            "ErrorPath" | "CausePath" => self.path_or_intrinsic(value, floc),
            "Branches" => self.branches(value, floc),
            _ => self.map_field(cx, key, value, floc),
        }
    }

    /// Rules on the combination of a state's fields.
    fn state_shape(&mut self, cx: &StateCx<'_>) {
        let loc = cx.loc;
        match cx.ty {
            "Pass" | "Task" | "Wait" | "Parallel" | "Map" => {
                // The spec: a non-terminal state MUST have a "Next" field; "End": true makes it terminal.
                // AWS: "There should only be one of the following fields: [Next, End]".
                let end = cx.obj.get("End") == Some(&Value::Bool(true));
                if cx.has("Next") && end {
                    self.only_one_of(loc, &["Next", "End"]);
                } else if !cx.has("Next") && !end {
                    self.schema(
                        loc,
                        "This object should have only one of the following fields: [Next, End]",
                    );
                }
            }
            _ => {}
        }
        match cx.ty {
            "Task" => {
                if !cx.has("Resource") {
                    self.required(loc, &["Resource"]);
                }
                self.exclusive(cx, "TimeoutSeconds", "TimeoutSecondsPath");
                self.exclusive(cx, "HeartbeatSeconds", "HeartbeatSecondsPath");
                // The Task page: "HeartbeatSeconds ... must be smaller than the number of seconds specified
                // in the TimeoutSeconds field".
                if let (Some(h), Some(t)) = (
                    cx.obj.get("HeartbeatSeconds").and_then(Value::as_i64),
                    cx.obj.get("TimeoutSeconds").and_then(Value::as_i64),
                ) && h >= t
                {
                    self.schema(
                        cx.field("HeartbeatSeconds"),
                        "HeartbeatSeconds must be smaller than TimeoutSeconds",
                    );
                }
            }
            "Wait" => {
                // The Wait page: a Wait state uses exactly one of Seconds, Timestamp, SecondsPath,
                // TimestampPath. AWS: "There should only be one of the following fields: [SecondsPath,
                // Seconds, TimestampPath, Timestamp]".
                const WAIT: &[&str] = &["SecondsPath", "Seconds", "TimestampPath", "Timestamp"];
                let n = WAIT.iter().filter(|f| cx.has(f)).count();
                if n > 1 {
                    self.only_one_of(loc, WAIT);
                } else if n == 0 {
                    self.schema(
                        loc,
                        format!(
                            "This object should have only one of the following fields: [{}]",
                            WAIT.join(", ")
                        ),
                    );
                }
            }
            "Fail" => {
                // The Fail page: "You can specify either Error or ErrorPath", "either Cause or CausePath".
                self.exclusive(cx, "Error", "ErrorPath");
                self.exclusive(cx, "Cause", "CausePath");
            }
            "Choice" if !cx.has("Choices") => self.required(loc, &["Choices"]),
            "Parallel" if !cx.has("Branches") => self.required(loc, &["Branches"]),
            "Map" => self.map_shape(cx),
            _ => {}
        }
    }

    /// Two fields that exclude each other: AWS reports it at the first one.
    pub(crate) fn exclusive(&mut self, cx: &StateCx<'_>, a: &str, b: &str) {
        if cx.has(a) && cx.has(b) {
            self.only_one_of(&cx.field(a), &[a, b]);
        }
    }

    /// `Branches`: the Parallel page, "Branches (Required): An array of objects that specifies state
    /// machines to execute in parallel. Each such state machine object must have fields named States and
    /// StartAt".
    fn branches(&mut self, value: &Value, loc: &str) {
        let Some(branches) = self.expect_nonempty_array(value, loc) else {
            return;
        };
        for (i, branch) in branches.iter().enumerate() {
            let bloc = pointer(loc, i);
            if let Some(branch) = self.expect_object(branch, &bloc) {
                self.machine(branch, &bloc, Scope::Branch);
            }
        }
    }

    /// `Resource`: "Resource (Required): A URI, especially an ARN that uniquely identifies the specific task
    /// to execute."
    fn resource(&mut self, value: &Value, loc: &str) {
        if let Some(arn) = self.expect_nonempty_string(value, loc)
            && !is_arn(arn)
        {
            self.schema(loc, "Value is not a valid resource ARN");
        }
    }

    /// `Result` of a Pass state is static: AWS's PASS_RESULT_IS_STATIC warning flags a `.$` key in it
    /// ("Attempt to use a path in the result of a pass state").
    fn pass_result(&mut self, value: &Value, loc: &str) {
        match value {
            Value::Object(fields) => {
                for (key, item) in fields {
                    let kloc = pointer(loc, key);
                    if key.ends_with(".$") {
                        self.warning(
                            codes::PASS_RESULT_IS_STATIC,
                            &kloc,
                            format!("The Result of a Pass state is static: '{key}' is not evaluated as a path"),
                        );
                    }
                    self.pass_result(item, &kloc);
                }
            }
            Value::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    self.pass_result(item, &pointer(loc, i));
                }
            }
            _ => {}
        }
    }
}

/// `arn:partition:service:region:account:resource`, region and account possibly empty
/// (`arn:aws:states:::lambda:invoke`).
fn is_arn(s: &str) -> bool {
    let parts: Vec<&str> = s.splitn(6, ':').collect();
    parts.len() == 6
        && parts[0] == "arn"
        && !parts[1].is_empty()
        && !parts[2].is_empty()
        && !parts[5].is_empty()
        && !s.chars().any(char::is_whitespace)
}

/// Whether a plain string looks like a JSONPath (`$.x`, `$$.x`) or an intrinsic call (`States.X(...)`).
pub(crate) fn looks_like_path_or_call(s: &str) -> bool {
    s.starts_with("$.")
        || s.starts_with("$$.")
        || s.starts_with("$[")
        || (s.starts_with("States.") && s.ends_with(')'))
}

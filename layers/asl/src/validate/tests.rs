//! Unit tests of the validator: one per rule, a valid machine of every state type, and the AWS-recorded
//! conformance definitions (all accepted by AWS) with mutated copies that must be rejected.

use serde_json::{Value, json};

use super::*;

/// The errors of a definition as `(code, location)`.
fn errors(definition: &Value) -> Vec<(&'static str, String)> {
    validate(definition)
        .into_iter()
        .filter(|d| d.severity == Severity::Error)
        .map(|d| (d.code, d.location))
        .collect()
}

/// A machine whose `StartAt` is its first state.
fn machine(states: Value) -> Value {
    let first = states
        .as_object()
        .and_then(|s| s.keys().next().cloned())
        .unwrap_or_default();
    json!({"StartAt": first, "States": states})
}

/// A JSONata machine whose `StartAt` is its first state.
fn jsonata_machine(states: Value) -> Value {
    let mut m = machine(states);
    m["QueryLanguage"] = json!("JSONata");
    m
}

/// Asserts the definition has exactly these errors, in this order: `(code, location, message)`.
#[track_caller]
fn assert_errors(definition: &Value, expected: &[(&str, &str, &str)]) {
    let got: Vec<(String, String, String)> = validate(definition)
        .into_iter()
        .filter(|d| d.severity == Severity::Error)
        .map(|d| (d.code.to_owned(), d.location, d.message))
        .collect();
    let expected: Vec<(String, String, String)> = expected
        .iter()
        .map(|(c, l, m)| (c.to_string(), l.to_string(), m.to_string()))
        .collect();
    assert_eq!(got, expected);
}

/// Asserts one error with this code at this location (other errors allowed).
#[track_caller]
fn assert_has(definition: &Value, code: &str, location: &str) {
    let got = errors(definition);
    assert!(
        got.iter().any(|(c, l)| *c == code && l == location),
        "no {code} at {location:?} in {got:?}"
    );
}

/// Asserts the definition has no diagnostic at all.
#[track_caller]
fn assert_clean(definition: &Value) {
    let d = validate(definition);
    assert!(d.is_empty(), "{d:#?}");
}

const SCHEMA: &str = codes::SCHEMA_VALIDATION_FAILED;
const TARGET: &str = codes::MISSING_TRANSITION_TARGET;

fn pass_end() -> Value {
    json!({"Type": "Pass", "End": true})
}

// ---------------------------------------------------------------------------------------------------
// Valid machines.

#[test]
fn valid_jsonpath_machine_of_every_state_type_has_no_diagnostics() {
    let definition = json!({
        "Comment": "every state type",
        "Version": "1.0",
        "TimeoutSeconds": 300,
        "StartAt": "Init",
        "States": {
            "Init": {
                "Type": "Pass", "Comment": "c", "InputPath": "$", "Parameters": {"id.$": "$.id", "n": 1},
                "ResultPath": "$.init", "OutputPath": "$", "Assign": {"count": 0, "first.$": "$.id"},
                "Next": "Work"
            },
            "Work": {
                "Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
                "Parameters": {"FunctionName": "f", "Payload.$": "$"}, "ResultSelector": {"body.$": "$.Payload"},
                "ResultPath": "$.work", "TimeoutSeconds": 60, "HeartbeatSeconds": 10,
                "Retry": [
                    {"ErrorEquals": ["Lambda.ServiceException"], "IntervalSeconds": 2, "MaxAttempts": 3,
                     "BackoffRate": 1.5, "MaxDelaySeconds": 10, "JitterStrategy": "FULL"},
                    {"ErrorEquals": ["States.ALL"]}
                ],
                "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "Failed"}],
                "Next": "Decide"
            },
            "Decide": {
                "Type": "Choice",
                "Choices": [
                    {"Variable": "$.work.body.ok", "BooleanEquals": true, "Next": "Pause"},
                    {"And": [
                        {"Variable": "$.n", "NumericGreaterThan": 1},
                        {"Not": {"Variable": "$.s", "StringEquals": "x"}}
                    ], "Next": "Fan"},
                    {"Variable": "$.t", "TimestampLessThan": "2030-01-01T00:00:00Z", "Next": "Each"}
                ],
                "Default": "Failed"
            },
            "Pause": {"Type": "Wait", "Seconds": 1, "Next": "Done"},
            "Fan": {
                "Type": "Parallel",
                "Branches": [
                    {"StartAt": "B1", "States": {"B1": {"Type": "Pass", "End": true}}},
                    {"StartAt": "B2", "States": {"B2": {"Type": "Wait", "Timestamp": "2030-01-01T00:00:00Z", "End": true}}}
                ],
                "ResultPath": "$.fan",
                "Next": "Done"
            },
            "Each": {
                "Type": "Map", "ItemsPath": "$.items", "MaxConcurrency": 2,
                "ItemSelector": {"item.$": "$$.Map.Item.Value"},
                "ItemProcessor": {
                    "ProcessorConfig": {"Mode": "INLINE"},
                    "StartAt": "One",
                    "States": {"One": {"Type": "Pass", "End": true}}
                },
                "ToleratedFailurePercentage": 10,
                "Next": "Done"
            },
            "Done": {"Type": "Succeed"},
            "Failed": {"Type": "Fail", "Error": "Oops", "Cause": "it failed"}
        }
    });
    assert_clean(&definition);
}

#[test]
fn valid_jsonata_machine_of_every_state_type_has_no_diagnostics() {
    let definition = json!({
        "QueryLanguage": "JSONata",
        "StartAt": "Init",
        "States": {
            "Init": {"Type": "Pass", "Output": {"n": "{% $states.input.n + 1 %}"}, "Assign": {"x": "{% 1 %}"}, "Next": "Work"},
            "Work": {
                "Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
                "Arguments": {"FunctionName": "f", "Payload": "{% $states.input %}"},
                "TimeoutSeconds": "{% 30 %}",
                "Catch": [{"ErrorEquals": ["States.ALL"], "Output": "{% $states.errorOutput %}", "Next": "Failed"}],
                "Output": "{% $states.result.Payload %}",
                "Next": "Decide"
            },
            "Decide": {
                "Type": "Choice",
                "Choices": [{"Condition": "{% $x > 0 %}", "Next": "Pause", "Assign": {"y": 2}}],
                "Default": "Fan"
            },
            "Pause": {"Type": "Wait", "Seconds": "{% 1 %}", "Next": "Done"},
            "Fan": {
                "Type": "Parallel",
                "Arguments": {"a": 1},
                "Branches": [{"StartAt": "B1", "States": {"B1": {"Type": "Pass", "End": true}}}],
                "Next": "Each"
            },
            "Each": {
                "Type": "Map",
                "Items": "{% [1, 2, 3] %}",
                "ItemSelector": {"v": "{% $states.context.Map.Item.Value %}"},
                "MaxConcurrency": "{% 2 %}",
                "ItemProcessor": {"StartAt": "One", "States": {"One": {"Type": "Pass", "End": true}}},
                "Next": "Done"
            },
            "Done": {"Type": "Succeed", "Output": {"ok": true}},
            "Failed": {"Type": "Fail", "Error": "{% 'E' %}", "Cause": "failed"}
        }
    });
    assert_clean(&definition);
}

#[test]
fn a_jsonpath_machine_may_switch_single_states_to_jsonata() {
    // The structure page: "When the top-level state machine query language is JSONPath, individual states
    // can override the query language by setting QueryLanguage to JSONata."
    assert_clean(&machine(json!({
        "A": {"Type": "Pass", "QueryLanguage": "JSONata", "Output": {"v": "{% 1 %}"}, "Next": "B"},
        "B": {"Type": "Pass", "InputPath": "$.a", "End": true}
    })));
}

// ---------------------------------------------------------------------------------------------------
// Top level.

#[test]
fn definition_must_be_an_object() {
    assert_errors(
        &json!([1]),
        &[(SCHEMA, "", "Expected value of type [OBJECT]")],
    );
}

#[test]
fn start_at_and_states_are_required() {
    assert_errors(
        &json!({"Comment": "x"}),
        &[(SCHEMA, "", "These fields are required: [StartAt, States]")],
    );
}

#[test]
fn unknown_top_level_field_is_refused() {
    let mut m = machine(json!({"A": pass_end()}));
    m["Coment"] = json!("typo");
    assert_errors(&m, &[(SCHEMA, "", "Field 'Coment' is not supported")]);
}

#[test]
fn version_must_be_1_0() {
    let mut m = machine(json!({"A": pass_end()}));
    m["Version"] = json!("2.0");
    assert_errors(
        &m,
        &[(
            SCHEMA,
            "/Version",
            "Value should be one of the following: [1.0]",
        )],
    );
}

#[test]
fn machine_timeout_is_a_non_negative_integer() {
    let mut m = machine(json!({"A": pass_end()}));
    m["TimeoutSeconds"] = json!(0);
    assert_clean(&m);
    m["TimeoutSeconds"] = json!(-1);
    assert_errors(&m, &[(SCHEMA, "/TimeoutSeconds", "Minimum value is 0")]);
    m["TimeoutSeconds"] = json!(100_000_000);
    assert_errors(
        &m,
        &[(SCHEMA, "/TimeoutSeconds", "Maximum value is 99999999")],
    );
    m["TimeoutSeconds"] = json!(1.5);
    assert_errors(
        &m,
        &[(
            SCHEMA,
            "/TimeoutSeconds",
            "Expected value of type [INTEGER]",
        )],
    );
}

#[test]
fn query_language_outside_the_enum_is_refused_at_the_field() {
    // Measured on AWS: "Value should be one of the following: [JSONPath, JSONata]" at /QueryLanguage,
    // and the machine resolves to JSONata (so Output is accepted).
    let mut m = machine(json!({"X": {"Type": "Pass", "Output": {"v": "{% 1 %}"}, "End": true}}));
    m["QueryLanguage"] = json!("jsonata");
    assert_errors(
        &m,
        &[(
            SCHEMA,
            "/QueryLanguage",
            "Value should be one of the following: [JSONPath, JSONata]",
        )],
    );
    m["QueryLanguage"] = json!(5);
    assert_errors(
        &m,
        &[(SCHEMA, "/QueryLanguage", "Expected value of type [STRING]")],
    );
}

#[test]
fn states_must_not_be_empty() {
    assert_errors(
        &json!({"StartAt": "A", "States": {}}),
        &[
            (SCHEMA, "/States", "Value cannot be empty"),
            (TARGET, "/StartAt", "Missing 'Next' target: A"),
        ],
    );
}

#[test]
fn start_at_must_name_a_state() {
    // Measured on AWS: the missing target at /StartAt, then every state unreachable.
    assert_errors(
        &json!({"StartAt": "Nope", "States": {"A": pass_end()}}),
        &[
            (TARGET, "/StartAt", "Missing 'Next' target: Nope"),
            (TARGET, "/States/A", "State \"A\" is not reachable."),
        ],
    );
}

// ---------------------------------------------------------------------------------------------------
// State fields.

#[test]
fn state_type_is_required_and_known() {
    assert_errors(
        &machine(json!({"A": {"End": true}})),
        &[(SCHEMA, "/States/A", "These fields are required: [Type]")],
    );
    assert_errors(
        &machine(json!({"A": {"Type": "Succeeded"}})),
        &[(
            SCHEMA,
            "/States/A/Type",
            "Value should be one of the following: [Pass, Succeed, Fail, Task, Choice, Wait, Parallel, Map]",
        )],
    );
}

#[test]
fn state_must_be_an_object() {
    assert_errors(
        &machine(json!({"A": "Pass"})),
        &[(SCHEMA, "/States/A", "Expected value of type [OBJECT]")],
    );
}

#[test]
fn unknown_state_field_is_refused_at_the_state() {
    assert_errors(
        &machine(json!({"A": {"Type": "Pass", "End": true, "Foo": 1}})),
        &[(SCHEMA, "/States/A", "Field 'Foo' is not supported")],
    );
}

#[test]
fn fields_of_other_state_types_are_refused_at_the_state() {
    // Measured on AWS: TimeoutSeconds only on Task, Catch/Retry only on Task, Parallel and Map, in the
    // order they are written.
    assert_errors(
        &machine(
            json!({"X": {"Type": "Pass", "End": true, "TimeoutSeconds": 5,
            "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "X"}], "Retry": [{"ErrorEquals": ["States.ALL"]}]}}),
        ),
        &[
            (
                SCHEMA,
                "/States/X",
                "Field 'TimeoutSeconds' is not supported",
            ),
            (SCHEMA, "/States/X", "Field 'Catch' is not supported"),
            (SCHEMA, "/States/X", "Field 'Retry' is not supported"),
        ],
    );
    assert_errors(
        &machine(
            json!({"M": {"Type": "Map", "TimeoutSeconds": 5, "ItemsPath": "$.items",
            "ItemProcessor": {"StartAt": "W", "States": {"W": pass_end()}}, "End": true}}),
        ),
        &[(
            SCHEMA,
            "/States/M",
            "Field 'TimeoutSeconds' is not supported",
        )],
    );
    assert_errors(
        &machine(json!({"F": {"Type": "Fail", "Next": "F"}})),
        &[(SCHEMA, "/States/F", "Field 'Next' is not supported")],
    );
}

#[test]
fn next_and_end_are_exclusive_and_one_is_required() {
    assert_errors(
        &machine(json!({"A": {"Type": "Pass", "Next": "B", "End": true}, "B": pass_end()})),
        &[(
            SCHEMA,
            "/States/A",
            "There should only be one of the following fields: [Next, End]",
        )],
    );
    assert_errors(
        &machine(json!({"A": {"Type": "Pass", "Next": "B"}, "B": {"Type": "Wait", "Seconds": 1}})),
        &[
            (
                SCHEMA,
                "/States/B",
                "This object should have only one of the following fields: [Next, End]",
            ),
            (
                codes::MISSING_END_STATE,
                "",
                "Workflow has no terminal state",
            ),
        ],
    );
}

#[test]
fn next_and_end_have_their_types() {
    assert_has(
        &machine(json!({"A": {"Type": "Pass", "Next": 3}})),
        SCHEMA,
        "/States/A/Next",
    );
    assert_has(
        &machine(json!({"A": {"Type": "Pass", "End": "yes"}})),
        SCHEMA,
        "/States/A/End",
    );
    assert_has(
        &machine(json!({"A": {"Type": "Pass", "Comment": 1, "End": true}})),
        SCHEMA,
        "/States/A/Comment",
    );
}

// ---------------------------------------------------------------------------------------------------
// Transitions and names.

#[test]
fn next_must_name_a_state_of_the_same_list() {
    // Measured on AWS: the dangling target first, then MISSING_END_STATE.
    assert_errors(
        &machine(json!({"A": {"Type": "Pass", "Next": "NOPE"}})),
        &[
            (TARGET, "/States/A/Next", "Missing 'Next' target: NOPE"),
            (
                codes::MISSING_END_STATE,
                "",
                "Workflow has no terminal state",
            ),
        ],
    );
}

#[test]
fn choice_targets_must_exist() {
    assert_errors(
        &machine(json!({
            "C": {"Type": "Choice", "Choices": [{"Variable": "$.x", "IsPresent": true, "Next": "Ghost"}], "Default": "Z"},
            "Z": pass_end()
        })),
        &[(
            TARGET,
            "/States/C/Choices/0/Next",
            "Missing 'Next' target: Ghost",
        )],
    );
    assert_errors(
        &machine(json!({
            "C": {"Type": "Choice", "Choices": [{"Variable": "$.x", "IsPresent": true, "Next": "Z"}], "Default": "Ghost"},
            "Z": pass_end()
        })),
        &[(TARGET, "/States/C/Default", "Missing 'Next' target: Ghost")],
    );
}

#[test]
fn catch_target_must_exist() {
    assert_errors(
        &machine(
            json!({"T": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
            "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Ghost"}], "End": true}}),
        ),
        &[(
            TARGET,
            "/States/T/Catch/0/Next",
            "Missing 'Next' target: Ghost",
        )],
    );
}

#[test]
fn unreachable_state_is_refused() {
    assert_errors(
        &machine(json!({"A": pass_end(), "C": pass_end()})),
        &[(TARGET, "/States/C", "State \"C\" is not reachable.")],
    );
}

#[test]
fn states_reached_only_through_catch_or_default_are_reachable() {
    assert_clean(&machine(json!({
        "T": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
              "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Handle"}], "Next": "C"},
        "C": {"Type": "Choice", "Choices": [{"Variable": "$.x", "IsPresent": true, "Next": "Done"}], "Default": "Other"},
        "Handle": {"Type": "Fail"},
        "Other": {"Type": "Succeed"},
        "Done": {"Type": "Succeed"}
    })));
}

#[test]
fn a_machine_without_terminal_state_is_refused_once() {
    // Measured on AWS: MISSING_END_STATE suppresses the unreachable-state report.
    assert_errors(
        &machine(json!({
            "A": {"Type": "Pass", "Next": "B"},
            "B": {"Type": "Pass", "Next": "A"},
            "Unused": {"Type": "Pass", "Next": "A"}
        })),
        &[(
            codes::MISSING_END_STATE,
            "",
            "Workflow has no terminal state",
        )],
    );
    // With an unreachable terminal state the machine has one, and the state is unreachable instead.
    assert_errors(
        &machine(
            json!({"A": {"Type": "Pass", "Next": "B"}, "B": {"Type": "Pass", "Next": "A"}, "C": pass_end()}),
        ),
        &[(TARGET, "/States/C", "State \"C\" is not reachable.")],
    );
}

#[test]
fn a_nested_loop_without_terminal_state_is_accepted() {
    // Measured on AWS: MISSING_END_STATE is top-level only.
    assert_clean(&machine(
        json!({"M": {"Type": "Map", "ItemsPath": "$.items",
        "ItemProcessor": {"StartAt": "A", "States": {
            "A": {"Type": "Pass", "Next": "B"}, "B": {"Type": "Pass", "Next": "A"}}},
        "End": true}}),
    ));
}

#[test]
fn nested_lists_are_checked_at_their_own_pointers() {
    assert_errors(
        &machine(
            json!({"P": {"Type": "Parallel", "Branches": [{"StartAt": "W", "States": {
            "W": pass_end(), "Ghost": pass_end()}}], "End": true}}),
        ),
        &[(
            TARGET,
            "/States/P/Branches/0/States/Ghost",
            "State \"Ghost\" is not reachable.",
        )],
    );
    assert_errors(
        &machine(json!({"M": {"Type": "Map", "ItemsPath": "$.items",
            "ItemProcessor": {"StartAt": "Nope", "States": {"A": pass_end()}}, "End": true}})),
        &[
            (
                TARGET,
                "/States/M/ItemProcessor/StartAt",
                "Missing 'Next' target: Nope",
            ),
            (
                TARGET,
                "/States/M/ItemProcessor/States/A",
                "State \"A\" is not reachable.",
            ),
        ],
    );
}

#[test]
fn a_branch_cannot_transition_outside_its_states() {
    // The Parallel page: a branch state "MUST NOT have a Next field that targets a field outside of that
    // States field".
    assert_has(
        &machine(json!({
            "P": {"Type": "Parallel", "Branches": [{"StartAt": "B", "States": {"B": {"Type": "Pass", "Next": "Out"}}}], "Next": "Out"},
            "Out": pass_end()
        })),
        TARGET,
        "/States/P/Branches/0/States/B/Next",
    );
}

#[test]
fn state_names_are_unique_across_the_whole_machine() {
    assert_errors(
        &machine(json!({
            "P": {"Type": "Parallel", "Branches": [
                {"StartAt": "Same", "States": {"Same": pass_end()}},
                {"StartAt": "Same", "States": {"Same": pass_end()}}
            ], "Next": "Same"},
            "Same": pass_end()
        })),
        &[
            (
                codes::DUPLICATE_STATE_NAME,
                "/States/P/Branches/1/States/Same",
                "Duplicate State name: Same",
            ),
            (
                codes::DUPLICATE_STATE_NAME,
                "/States/Same",
                "Duplicate State name: Same",
            ),
        ],
    );
}

#[test]
fn state_names_are_at_most_80_characters() {
    let long = "x".repeat(81);
    let d = errors(&json!({"StartAt": long, "States": {long.clone(): pass_end()}}));
    assert_eq!(
        d,
        vec![(codes::INVALID_STATE_NAME, format!("/States/{long}"))]
    );
    let ok = "x".repeat(80);
    assert_clean(&json!({"StartAt": ok, "States": {ok.clone(): pass_end()}}));
}

#[test]
fn pointers_escape_slashes_in_state_names() {
    assert_errors(
        &machine(json!({"Start": pass_end(), "a/b": pass_end()})),
        &[(TARGET, "/States/a~1b", "State \"a/b\" is not reachable.")],
    );
}

// ---------------------------------------------------------------------------------------------------
// Retry and Catch.

fn task_with(field: &str, value: Value) -> Value {
    let mut task =
        json!({"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "Next": "Handler"});
    task[field] = value;
    machine(json!({"T": task, "Handler": {"Type": "Succeed"}}))
}

#[test]
fn error_equals_is_required_and_not_empty() {
    assert_has(
        &task_with("Retry", json!([{"MaxAttempts": 1}])),
        SCHEMA,
        "/States/T/Retry/0",
    );
    assert_errors(
        &task_with("Retry", json!([{"ErrorEquals": []}])),
        &[(
            SCHEMA,
            "/States/T/Retry/0/ErrorEquals",
            "Value cannot be empty",
        )],
    );
}

#[test]
fn states_all_must_be_alone_and_last() {
    assert_errors(
        &task_with("Retry", json!([{"ErrorEquals": ["States.ALL", "X"]}])),
        &[(
            SCHEMA,
            "/States/T/Retry/0/ErrorEquals",
            "States.ALL must appear alone and at end of list",
        )],
    );
    assert_errors(
        &task_with(
            "Retry",
            json!([{"ErrorEquals": ["States.ALL"]}, {"ErrorEquals": ["X"]}]),
        ),
        &[(
            SCHEMA,
            "/States/T/Retry/0/ErrorEquals",
            "States.ALL must appear alone and at end of list",
        )],
    );
    let mut m = task_with(
        "Catch",
        json!([{"ErrorEquals": ["States.ALL"], "Next": "Handler"}, {"ErrorEquals": ["X"], "Next": "Handler"}]),
    );
    assert_has(&m, SCHEMA, "/States/T/Catch/0/ErrorEquals");
    m["States"]["T"]["Catch"] = json!([{"ErrorEquals": ["X"], "Next": "Handler"}, {"ErrorEquals": ["States.ALL"], "Next": "Handler"}]);
    assert_clean(&m);
}

#[test]
fn retrier_numbers_have_their_ranges() {
    let retry = |field: &str, value: Value| {
        let mut r = json!({"ErrorEquals": ["X"]});
        r[field] = value;
        errors(&task_with("Retry", json!([r])))
    };
    let at = |field: &str| format!("/States/T/Retry/0/{field}");
    assert_eq!(
        retry("MaxAttempts", json!(-1)),
        vec![(SCHEMA, at("MaxAttempts"))]
    );
    assert_eq!(
        retry("MaxAttempts", json!(100_000_000)),
        vec![(SCHEMA, at("MaxAttempts"))]
    );
    assert_eq!(retry("MaxAttempts", json!(0)), vec![]);
    assert_eq!(
        retry("IntervalSeconds", json!("1")),
        vec![(SCHEMA, at("IntervalSeconds"))]
    );
    assert_eq!(retry("IntervalSeconds", json!(0)), vec![]);
    assert_eq!(
        retry("BackoffRate", json!(0.5)),
        vec![(SCHEMA, at("BackoffRate"))]
    );
    assert_eq!(retry("BackoffRate", json!(1)), vec![]);
    assert_eq!(
        retry("MaxDelaySeconds", json!(0)),
        vec![(SCHEMA, at("MaxDelaySeconds"))]
    );
    assert_eq!(
        retry("MaxDelaySeconds", json!(31_622_401)),
        vec![(SCHEMA, at("MaxDelaySeconds"))]
    );
    assert_eq!(
        retry("JitterStrategy", json!("HALF")),
        vec![(SCHEMA, at("JitterStrategy"))]
    );
    assert_eq!(
        retry("Jitter", json!("FULL")),
        vec![(SCHEMA, "/States/T/Retry/0".to_owned())]
    );
    let backoff = validate(&task_with(
        "Retry",
        json!([{"ErrorEquals": ["X"], "BackoffRate": 0.5}]),
    ));
    assert_eq!(backoff[0].message, "Minimum value is 1.0");
}

#[test]
fn catcher_needs_next_and_its_language_fields() {
    assert_errors(
        &task_with("Catch", json!([{"ErrorEquals": ["X"]}])),
        &[(
            SCHEMA,
            "/States/T/Catch/0",
            "These fields are required: [Next]",
        )],
    );
    assert_errors(
        &task_with(
            "Catch",
            json!([{"ErrorEquals": ["X"], "Next": "Handler", "Output": {}}]),
        ),
        &[(
            SCHEMA,
            "/States/T/Catch/0",
            "The QueryLanguage is set to 'JSONPath', but field 'Output' is only supported for the 'JSONata' QueryLanguage",
        )],
    );
}

// ---------------------------------------------------------------------------------------------------
// Query languages.

#[test]
fn jsonpath_fields_are_refused_in_jsonata_states() {
    assert_errors(
        &jsonata_machine(
            json!({"X": {"Type": "Pass", "InputPath": "$.a", "OutputPath": "$.b", "ResultPath": "$.c", "End": true}}),
        ),
        &[
            (
                SCHEMA,
                "/States/X",
                "The QueryLanguage is set to 'JSONata', but field 'InputPath' is only supported for the 'JSONPath' QueryLanguage",
            ),
            (
                SCHEMA,
                "/States/X",
                "The QueryLanguage is set to 'JSONata', but field 'OutputPath' is only supported for the 'JSONPath' QueryLanguage",
            ),
            (
                SCHEMA,
                "/States/X",
                "The QueryLanguage is set to 'JSONata', but field 'ResultPath' is only supported for the 'JSONPath' QueryLanguage",
            ),
        ],
    );
}

#[test]
fn jsonata_fields_are_refused_in_jsonpath_states() {
    assert_errors(
        &machine(
            json!({"T": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
            "Output": {"v": 1}, "Arguments": {"payload": "literal"}, "End": true}}),
        ),
        &[
            (
                SCHEMA,
                "/States/T",
                "The QueryLanguage is set to 'JSONPath', but field 'Output' is only supported for the 'JSONata' QueryLanguage",
            ),
            (
                SCHEMA,
                "/States/T",
                "The QueryLanguage is set to 'JSONPath', but field 'Arguments' is only supported for the 'JSONata' QueryLanguage",
            ),
        ],
    );
    assert_has(
        &machine(
            json!({"M": {"Type": "Map", "Items": [1], "ItemProcessor": {"StartAt": "P", "States": {"P": pass_end()}}, "End": true}}),
        ),
        SCHEMA,
        "/States/M",
    );
}

#[test]
fn assign_is_accepted_in_both_languages() {
    assert_clean(&machine(
        json!({"X": {"Type": "Pass", "Assign": {"counter": 1}, "End": true}}),
    ));
    assert_clean(&jsonata_machine(
        json!({"X": {"Type": "Pass", "Assign": {"counter": 1}, "End": true}}),
    ));
}

#[test]
fn a_jsonata_machine_cannot_downgrade_a_state() {
    // Measured on AWS: the downgrade is the whole answer for the state's fields...
    assert_errors(
        &jsonata_machine(
            json!({"X": {"Type": "Pass", "QueryLanguage": "JSONPath", "Output": {"v": "{% 1 %}"}, "End": true}}),
        ),
        &[(
            SCHEMA,
            "/States/X",
            "'QueryLanguage' can not be 'JSONPath' if set to 'JSONata' for whole state machine",
        )],
    );
    // ...but the other checks still run.
    assert_errors(
        &jsonata_machine(
            json!({"M": {"Type": "Map", "QueryLanguage": "JSONPath", "MaxConcurrency": -1,
            "ItemProcessor": {"StartAt": "P", "States": {"P": pass_end()}}, "End": true}}),
        ),
        &[
            (
                SCHEMA,
                "/States/M",
                "'QueryLanguage' can not be 'JSONPath' if set to 'JSONata' for whole state machine",
            ),
            (SCHEMA, "/States/M/MaxConcurrency", "Minimum value is 0"),
        ],
    );
}

#[test]
fn a_state_query_language_outside_the_enum_resolves_to_jsonata() {
    // Measured on AWS: the state is JSONata (InputPath refused), and the value is refused at the field.
    assert_errors(
        &machine(
            json!({"X": {"Type": "Pass", "QueryLanguage": "jsonata", "Output": {"v": "{% 1 %}"}, "InputPath": "$.a", "End": true}}),
        ),
        &[
            (
                SCHEMA,
                "/States/X",
                "The QueryLanguage is set to 'JSONata', but field 'InputPath' is only supported for the 'JSONPath' QueryLanguage",
            ),
            (
                SCHEMA,
                "/States/X/QueryLanguage",
                "Value should be one of the following: [JSONPath, JSONata]",
            ),
        ],
    );
    // "jsonpath" is not a downgrade: only the spelling is refused.
    assert_errors(
        &jsonata_machine(json!({"X": {"Type": "Pass", "QueryLanguage": "jsonpath", "End": true}})),
        &[(
            SCHEMA,
            "/States/X/QueryLanguage",
            "Value should be one of the following: [JSONPath, JSONata]",
        )],
    );
}

#[test]
fn nested_states_inherit_the_machine_language_not_the_enclosing_state() {
    // Measured on AWS: a Map declaring JSONata leaves its ItemProcessor states on the machine's JSONPath.
    let definition = machine(
        json!({"M": {"Type": "Map", "QueryLanguage": "JSONata", "Items": "{% [1] %}",
        "ItemProcessor": {"StartAt": "P", "States": {"P": {"Type": "Pass", "Output": {"d": "{% 1 %}"}, "End": true}}},
        "End": true}}),
    );
    assert_errors(
        &definition,
        &[(
            SCHEMA,
            "/States/M/ItemProcessor/States/P",
            "The QueryLanguage is set to 'JSONPath', but field 'Output' is only supported for the 'JSONata' QueryLanguage",
        )],
    );
    // And a JSONata machine's nested states are JSONata.
    assert_clean(&jsonata_machine(json!({"M": {"Type": "Map",
        "ItemProcessor": {"StartAt": "P", "States": {"P": {"Type": "Pass", "Output": {"d": "{% 1 %}"}, "End": true}}},
        "End": true}})));
}

#[test]
fn processors_and_branches_carry_no_query_language() {
    assert_errors(
        &machine(
            json!({"M": {"Type": "Map", "ItemProcessor": {"QueryLanguage": "JSONata", "StartAt": "P",
            "States": {"P": pass_end()}}, "End": true}}),
        ),
        &[(
            SCHEMA,
            "/States/M/ItemProcessor",
            "Field 'QueryLanguage' is not supported",
        )],
    );
    assert_errors(
        &machine(
            json!({"P": {"Type": "Parallel", "Branches": [{"QueryLanguage": "JSONata", "StartAt": "B",
            "States": {"B": pass_end()}}], "End": true}}),
        ),
        &[(
            SCHEMA,
            "/States/P/Branches/0",
            "Field 'QueryLanguage' is not supported",
        )],
    );
}

// ---------------------------------------------------------------------------------------------------
// Wait, Fail, Task.

fn wait_with(fields: Value) -> Value {
    let mut wait = json!({"Type": "Wait", "End": true});
    for (k, v) in fields.as_object().unwrap() {
        wait[k] = v.clone();
    }
    machine(json!({"W": wait}))
}

#[test]
fn wait_has_exactly_one_duration_field() {
    assert_errors(
        &wait_with(json!({"Seconds": 1, "Timestamp": "2030-01-01T00:00:00Z"})),
        &[(
            SCHEMA,
            "/States/W",
            "There should only be one of the following fields: [SecondsPath, Seconds, TimestampPath, Timestamp]",
        )],
    );
    assert_errors(
        &wait_with(json!({})),
        &[(
            SCHEMA,
            "/States/W",
            "This object should have only one of the following fields: [SecondsPath, Seconds, TimestampPath, Timestamp]",
        )],
    );
}

#[test]
fn wait_values_are_checked() {
    assert_errors(
        &wait_with(json!({"Seconds": -1})),
        &[(SCHEMA, "/States/W/Seconds", "Minimum value is 0")],
    );
    assert_errors(
        &wait_with(json!({"Timestamp": "2030-01-01 00:00:00"})),
        &[(
            SCHEMA,
            "/States/W/Timestamp",
            "String does not match RFC3339 timestamp",
        )],
    );
    assert_has(
        &wait_with(json!({"Timestamp": "2030-01-01t00:00:00z"})),
        SCHEMA,
        "/States/W/Timestamp",
    );
    assert_clean(&wait_with(
        json!({"Timestamp": "2030-01-01T00:00:00.123+02:00"}),
    ));
    assert_has(
        &wait_with(json!({"SecondsPath": "seconds"})),
        SCHEMA,
        "/States/W/SecondsPath",
    );
    assert_has(
        &wait_with(json!({"Seconds": "5"})),
        SCHEMA,
        "/States/W/Seconds",
    );
}

#[test]
fn jsonata_number_fields_take_expressions() {
    let m = |seconds: Value| {
        jsonata_machine(json!({"W": {"Type": "Wait", "Seconds": seconds, "End": true}}))
    };
    assert_clean(&m(json!("{% $states.input.n %}")));
    assert_errors(
        &m(json!("5")),
        &[(
            SCHEMA,
            "/States/W/Seconds",
            "JSONata string must start with {% and end with %}",
        )],
    );
}

#[test]
fn fail_error_and_cause_exclude_their_paths() {
    assert_errors(
        &machine(
            json!({"F": {"Type": "Fail", "Error": "E", "ErrorPath": "$.e", "Cause": "c", "CausePath": "$.c"}}),
        ),
        &[
            (
                SCHEMA,
                "/States/F/Error",
                "There should only be one of the following fields: [Error, ErrorPath]",
            ),
            (
                SCHEMA,
                "/States/F/Cause",
                "There should only be one of the following fields: [Cause, CausePath]",
            ),
        ],
    );
}

#[test]
fn fail_error_path_may_be_an_intrinsic_function() {
    assert_clean(&machine(
        json!({"F": {"Type": "Fail", "ErrorPath": "States.Format('{}', $.e)", "CausePath": "$.c"}}),
    ));
    assert_has(
        &machine(json!({"F": {"Type": "Fail", "ErrorPath": "error"}})),
        SCHEMA,
        "/States/F/ErrorPath",
    );
}

#[test]
fn a_path_like_error_warns_no_path() {
    let d = validate(&machine(json!({"F": {"Type": "Fail", "Error": "$.error"}})));
    assert_eq!(d.len(), 1, "{d:?}");
    assert_eq!(
        (d[0].severity, d[0].code, d[0].location.as_str()),
        (Severity::Warning, codes::NO_PATH, "/States/F/Error")
    );
}

#[test]
fn task_needs_an_arn_resource() {
    assert_errors(
        &machine(json!({"T": {"Type": "Task", "End": true}})),
        &[(SCHEMA, "/States/T", "These fields are required: [Resource]")],
    );
    assert_errors(
        &machine(json!({"T": {"Type": "Task", "Resource": "not-an-arn", "End": true}})),
        &[(
            SCHEMA,
            "/States/T/Resource",
            "Value is not a valid resource ARN",
        )],
    );
    assert_clean(&machine(
        json!({"T": {"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:f", "End": true}}),
    ));
}

#[test]
fn task_timeouts_are_positive_and_exclusive_with_their_paths() {
    assert_errors(
        &task_with("TimeoutSeconds", json!(0)),
        &[(SCHEMA, "/States/T/TimeoutSeconds", "Minimum value is 1")],
    );
    let mut m = task_with("TimeoutSeconds", json!(10));
    m["States"]["T"]["TimeoutSecondsPath"] = json!("$.t");
    assert_errors(
        &m,
        &[(
            SCHEMA,
            "/States/T/TimeoutSeconds",
            "There should only be one of the following fields: [TimeoutSeconds, TimeoutSecondsPath]",
        )],
    );
    let mut m = task_with("TimeoutSeconds", json!(10));
    m["States"]["T"]["HeartbeatSeconds"] = json!(10);
    assert_errors(
        &m,
        &[(
            SCHEMA,
            "/States/T/HeartbeatSeconds",
            "HeartbeatSeconds must be smaller than TimeoutSeconds",
        )],
    );
}

// ---------------------------------------------------------------------------------------------------
// Choice.

fn choice(rules: Value) -> Value {
    machine(
        json!({"C": {"Type": "Choice", "Choices": rules, "Default": "D"}, "D": {"Type": "Succeed"}}),
    )
}

#[test]
fn choice_needs_non_empty_choices() {
    assert_errors(
        &choice(json!([])),
        &[(SCHEMA, "/States/C/Choices", "Value cannot be empty")],
    );
    assert_errors(
        &machine(json!({"C": {"Type": "Choice", "Default": "D"}, "D": {"Type": "Succeed"}})),
        &[(SCHEMA, "/States/C", "These fields are required: [Choices]")],
    );
}

#[test]
fn choice_rule_needs_next() {
    assert_errors(
        &choice(json!([{"Variable": "$.x", "IsPresent": true}])),
        &[(
            SCHEMA,
            "/States/C/Choices/0",
            "These fields are required: [Next]",
        )],
    );
}

#[test]
fn jsonpath_choice_rule_has_exactly_one_comparison() {
    assert_has(
        &choice(json!([{"Variable": "$.x", "IsPresent": true, "IsNull": false, "Next": "D"}])),
        SCHEMA,
        "/States/C/Choices/0",
    );
    assert_has(
        &choice(json!([{"Variable": "$.x", "Next": "D"}])),
        SCHEMA,
        "/States/C/Choices/0",
    );
    assert_has(
        &choice(json!([{"Next": "D"}])),
        SCHEMA,
        "/States/C/Choices/0",
    );
    assert_has(
        &choice(json!([{"StringEquals": "a", "Next": "D"}])),
        SCHEMA,
        "/States/C/Choices/0",
    );
}

#[test]
fn nested_choice_rules_carry_no_next() {
    assert_errors(
        &choice(json!([{"Not": {"Variable": "$.x", "IsPresent": true, "Next": "D"}, "Next": "D"}])),
        &[(
            SCHEMA,
            "/States/C/Choices/0/Not",
            "Field 'Next' is not supported",
        )],
    );
    assert_has(
        &choice(json!([{"And": [], "Next": "D"}])),
        SCHEMA,
        "/States/C/Choices/0/And",
    );
}

#[test]
fn choice_operands_have_their_types() {
    assert_errors(
        &choice(json!([{"Variable": "$.x", "NumericEquals": "one", "Next": "D"}])),
        &[(
            SCHEMA,
            "/States/C/Choices/0/NumericEquals",
            "Expected value of type [NUMBER]",
        )],
    );
    assert_has(
        &choice(json!([{"Variable": "$.x", "TimestampEquals": "yesterday", "Next": "D"}])),
        SCHEMA,
        "/States/C/Choices/0/TimestampEquals",
    );
    assert_has(
        &choice(json!([{"Variable": "$.x", "BooleanEquals": "true", "Next": "D"}])),
        SCHEMA,
        "/States/C/Choices/0/BooleanEquals",
    );
    assert_has(
        &choice(json!([{"Variable": "x", "IsPresent": true, "Next": "D"}])),
        SCHEMA,
        "/States/C/Choices/0/Variable",
    );
}

#[test]
fn choice_rules_follow_the_state_language() {
    assert_errors(
        &choice(json!([{"Condition": "{% true %}", "Next": "D"}])),
        &[
            (
                SCHEMA,
                "/States/C/Choices/0",
                "This object should have only one of the following fields: [And, Or, Not, Variable]",
            ),
            (
                SCHEMA,
                "/States/C/Choices/0",
                "The QueryLanguage is set to 'JSONPath', but field 'Condition' is only supported for the 'JSONata' QueryLanguage",
            ),
        ],
    );
    let jsonata_choice = |rule: Value| {
        jsonata_machine(
            json!({"C": {"Type": "Choice", "Choices": [rule], "Default": "D"}, "D": {"Type": "Succeed"}}),
        )
    };
    assert_errors(
        &jsonata_choice(json!({"Variable": "$.x", "Condition": "{% true %}", "Next": "D"})),
        &[(
            SCHEMA,
            "/States/C/Choices/0",
            "The QueryLanguage is set to 'JSONata', but field 'Variable' is only supported for the 'JSONPath' QueryLanguage",
        )],
    );
    assert_errors(
        &jsonata_choice(json!({"Next": "D"})),
        &[(
            SCHEMA,
            "/States/C/Choices/0",
            "These fields are required: [Condition]",
        )],
    );
    assert_clean(&jsonata_choice(json!({"Condition": true, "Next": "D"})));
}

// ---------------------------------------------------------------------------------------------------
// Parallel and Map.

#[test]
fn parallel_needs_branches_with_start_at_and_states() {
    assert_errors(
        &machine(json!({"P": {"Type": "Parallel", "Branches": [], "End": true}})),
        &[(SCHEMA, "/States/P/Branches", "Value cannot be empty")],
    );
    assert_errors(
        &machine(json!({"P": {"Type": "Parallel", "End": true}})),
        &[(SCHEMA, "/States/P", "These fields are required: [Branches]")],
    );
    assert_errors(
        &machine(
            json!({"P": {"Type": "Parallel", "Branches": [{"States": {"B": pass_end()}}], "End": true}}),
        ),
        &[(
            SCHEMA,
            "/States/P/Branches/0",
            "These fields are required: [StartAt]",
        )],
    );
}

fn map_with(fields: Value) -> Value {
    let mut map = json!({"Type": "Map", "ItemProcessor": {"StartAt": "P", "States": {"P": pass_end()}}, "End": true});
    for (k, v) in fields.as_object().unwrap() {
        map[k] = v.clone();
    }
    machine(json!({"M": map}))
}

fn distributed_map_with(fields: Value) -> Value {
    let mut m = map_with(fields);
    m["States"]["M"]["ItemProcessor"]["ProcessorConfig"] =
        json!({"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"});
    m
}

#[test]
fn map_needs_exactly_one_processor() {
    assert_errors(
        &machine(json!({"M": {"Type": "Map", "End": true}})),
        &[(
            SCHEMA,
            "/States/M",
            "These fields are required: [ItemProcessor]",
        )],
    );
    assert_has(
        &map_with(json!({"Iterator": {"StartAt": "I", "States": {"I": pass_end()}}})),
        SCHEMA,
        "/States/M/ItemProcessor",
    );
    assert_clean(&machine(
        json!({"M": {"Type": "Map", "Iterator": {"StartAt": "I", "States": {"I": pass_end()}}, "End": true}}),
    ));
}

#[test]
fn map_concurrency_and_tolerance_have_their_ranges() {
    assert_errors(
        &map_with(json!({"MaxConcurrency": -1})),
        &[(SCHEMA, "/States/M/MaxConcurrency", "Minimum value is 0")],
    );
    assert_clean(&map_with(
        json!({"MaxConcurrency": 9_223_372_036_854_775_807_i64}),
    ));
    assert_errors(
        &map_with(json!({"MaxConcurrency": 2, "MaxConcurrencyPath": "$.limit"})),
        &[(
            SCHEMA,
            "/States/M/MaxConcurrency",
            "There should only be one of the following fields: [MaxConcurrency, MaxConcurrencyPath]",
        )],
    );
    assert_errors(
        &map_with(json!({"ToleratedFailurePercentage": 101})),
        &[(
            SCHEMA,
            "/States/M/ToleratedFailurePercentage",
            "Maximum value is 100.0",
        )],
    );
    assert_has(
        &map_with(json!({"ToleratedFailureCount": -1})),
        SCHEMA,
        "/States/M/ToleratedFailureCount",
    );
    assert_has(
        &map_with(json!({"MaxConcurrencyPath": "$$.Execution.Input.n"})),
        SCHEMA,
        "/States/M/MaxConcurrencyPath",
    );
    assert_clean(&map_with(json!({"MaxConcurrencyPath": "$limit"})));
}

#[test]
fn jsonata_map_takes_expressions_but_no_paths() {
    let m = |field: &str, value: Value| {
        let mut map = json!({"Type": "Map", "ItemProcessor": {"StartAt": "P", "States": {"P": pass_end()}}, "End": true});
        map[field] = value;
        jsonata_machine(json!({"M": map}))
    };
    assert_clean(&m("MaxConcurrency", json!("{% $states.input.limit %}")));
    assert_clean(&m(
        "ToleratedFailurePercentage",
        json!("{% $variable := 1 %}"),
    ));
    assert_errors(
        &m("MaxConcurrencyPath", json!("$.limit")),
        &[(
            SCHEMA,
            "/States/M",
            "The QueryLanguage is set to 'JSONata', but field 'MaxConcurrencyPath' is only supported for the 'JSONPath' QueryLanguage",
        )],
    );
    assert_errors(
        &m("Items", json!({"a": 1})),
        &[(SCHEMA, "/States/M/Items", "Expected value of type [ARRAY]")],
    );
}

#[test]
fn processor_config_is_checked() {
    let m = |config: Value| {
        let mut m = map_with(json!({}));
        m["States"]["M"]["ItemProcessor"]["ProcessorConfig"] = config;
        m
    };
    assert_errors(
        &m(json!({"Mode": "SERIAL"})),
        &[(
            SCHEMA,
            "/States/M/ItemProcessor/ProcessorConfig/Mode",
            "Value should be one of the following: [INLINE, DISTRIBUTED]",
        )],
    );
    assert_errors(
        &m(json!({"Mode": "DISTRIBUTED"})),
        &[(
            SCHEMA,
            "/States/M/ItemProcessor/ProcessorConfig",
            "These fields are required: [ExecutionType]",
        )],
    );
    assert_errors(
        &m(json!({"Mode": "INLINE", "ExecutionType": "STANDARD"})),
        &[(
            SCHEMA,
            "/States/M/ItemProcessor/ProcessorConfig",
            "Field 'ExecutionType' is not supported",
        )],
    );
}

#[test]
fn distributed_fields_need_distributed_mode() {
    let reader = json!({"Resource": "arn:aws:states:::s3:getObject", "ReaderConfig": {"InputType": "JSON"},
        "Parameters": {"Bucket": "b", "Key": "k"}});
    assert_errors(
        &map_with(json!({"ItemReader": reader.clone()})),
        &[(
            SCHEMA,
            "/States/M",
            "Field 'ItemReader' is only supported in DISTRIBUTED mode",
        )],
    );
    assert_clean(&distributed_map_with(
        json!({"ItemReader": reader, "Label": "Reader"}),
    ));
}

#[test]
fn item_reader_resource_and_input_type_are_checked() {
    assert_errors(
        &distributed_map_with(
            json!({"ItemReader": {"Resource": "arn:aws:states:::s3:unknownOperation",
            "ReaderConfig": {"InputType": "JSON"}, "Parameters": {"Bucket": "b", "Key": "k"}}}),
        ),
        &[(
            SCHEMA,
            "/States/M/ItemReader/Resource",
            "The field 'Resource' does not match any of the allowed values",
        )],
    );
    assert_has(
        &distributed_map_with(
            json!({"ItemReader": {"Resource": "arn:aws:states:::s3:getObject",
            "ReaderConfig": {"InputType": "UNSUPPORTED"}, "Parameters": {"Bucket": "b", "Key": "k"}}}),
        ),
        SCHEMA,
        "/States/M/ItemReader/ReaderConfig/InputType",
    );
}

#[test]
fn result_writer_is_checked() {
    assert_errors(
        &distributed_map_with(json!({"ResultWriter": {}})),
        &[(SCHEMA, "/States/M/ResultWriter", "Value cannot be empty")],
    );
    assert_errors(
        &distributed_map_with(
            json!({"ResultWriter": {"Resource": "arn:aws:states:::s3:putObject"}}),
        ),
        &[(
            SCHEMA,
            "/States/M/ResultWriter",
            "These fields are required: [Parameters]",
        )],
    );
    assert_errors(
        &distributed_map_with(
            json!({"ResultWriter": {"WriterConfig": {"Transformation": "COMPACT"}}}),
        ),
        &[(
            SCHEMA,
            "/States/M/ResultWriter/WriterConfig",
            "These fields are required: [OutputType]",
        )],
    );
    assert_clean(&distributed_map_with(
        json!({"ResultWriter": {"Resource": "arn:aws:states:::s3:putObject",
        "WriterConfig": {"Transformation": "FLATTEN", "OutputType": "JSONL"},
        "Parameters": {"Bucket.$": "$.destination.bucket", "Prefix": "results"}}}),
    ));
}

#[test]
fn item_selector_and_parameters_are_exclusive() {
    assert_errors(
        &map_with(json!({"ItemSelector": {"a": 1}, "Parameters": {"b": 2}})),
        &[(
            SCHEMA,
            "/States/M/ItemSelector",
            "There should only be one of the following fields: [ItemSelector, Parameters]",
        )],
    );
}

#[test]
fn map_labels_are_unique_and_short() {
    let definition = machine(json!({
        "A": {"Type": "Map", "Label": "L", "ItemProcessor": {"StartAt": "P", "States": {"P": pass_end()}}, "Next": "B"},
        "B": {"Type": "Map", "Label": "L", "ItemProcessor": {"StartAt": "Q", "States": {"Q": pass_end()}}, "End": true}
    }));
    assert_errors(
        &definition,
        &[(
            codes::DUPLICATE_LABEL_NAME,
            "/States/B/Label",
            "Duplicate Label name: L",
        )],
    );
    assert_has(
        &map_with(json!({"Label": "x".repeat(41)})),
        codes::INVALID_LABEL_NAME,
        "/States/M/Label",
    );
    assert_has(
        &map_with(json!({"Label": "a b"})),
        codes::INVALID_LABEL_NAME,
        "/States/M/Label",
    );
}

// ---------------------------------------------------------------------------------------------------
// Variables, paths and templates.

#[test]
fn variable_names_are_identifiers() {
    let m = |name: &str| machine(json!({"X": {"Type": "Pass", "Assign": {name: 1}, "End": true}}));
    assert_errors(
        &m("1x"),
        &[(
            codes::INVALID_VARIABLE_NAME,
            "/States/X/Assign/1x",
            "Invalid variable name '1x': the variable name contains invalid characters.",
        )],
    );
    assert_errors(
        &m("states"),
        &[(
            codes::RESERVED_VARIABLE_NAME,
            "/States/X/Assign/states",
            "Cannot assign to reserved variable '$states'.",
        )],
    );
    assert_clean(&m("snake_case2"));
    assert_clean(&machine(
        json!({"X": {"Type": "Pass", "Assign": {"v.$": "$.a"}, "End": true}}),
    ));
}

#[test]
fn template_fields_are_not_given_twice() {
    assert_has(
        &machine(json!({"X": {"Type": "Pass", "Parameters": {"a.$": "$.x", "a": 1}, "End": true}})),
        SCHEMA,
        "/States/X/Parameters/a.$",
    );
}

#[test]
fn dollar_fields_take_a_path_or_an_intrinsic() {
    assert_errors(
        &machine(
            json!({"X": {"Type": "Pass", "Parameters": {"nested": {"lorem.$": "ipsum"}}, "End": true}}),
        ),
        &[(
            SCHEMA,
            "/States/X/Parameters/nested/lorem.$",
            "The value for the field 'lorem.$' must be a valid JSONPath or a valid intrinsic function call",
        )],
    );
}

#[test]
fn parameters_must_be_an_object() {
    assert_has(
        &machine(json!({"X": {"Type": "Pass", "Parameters": "x", "End": true}})),
        SCHEMA,
        "/States/X/Parameters",
    );
}

#[test]
fn path_values_without_dollar_key_warn() {
    let d = validate(&machine(
        json!({"X": {"Type": "Pass", "Parameters": {"id": "$.id"}, "End": true}}),
    ));
    assert_eq!(d.len(), 1, "{d:?}");
    assert_eq!(
        (d[0].severity, d[0].code),
        (Severity::Warning, codes::NO_DOLLAR)
    );
    assert_eq!(d[0].location, "/States/X/Parameters/id");
}

#[test]
fn pass_result_is_static() {
    let d = validate(&machine(
        json!({"X": {"Type": "Pass", "Result": {"a.$": "$.x"}, "End": true}}),
    ));
    assert_eq!(d.len(), 1, "{d:?}");
    assert_eq!(
        (d[0].severity, d[0].code),
        (Severity::Warning, codes::PASS_RESULT_IS_STATIC)
    );
}

#[test]
fn result_path_is_a_reference_path_into_the_input() {
    let m = |rp: Value| machine(json!({"X": {"Type": "Pass", "ResultPath": rp, "End": true}}));
    assert_clean(&m(json!(null)));
    assert_clean(&m(json!("$")));
    assert_clean(&m(json!("$.a.b[0]")));
    assert_has(&m(json!("$.a[*]")), SCHEMA, "/States/X/ResultPath");
    assert_has(&m(json!("$..a")), SCHEMA, "/States/X/ResultPath");
    assert_has(&m(json!("$$.Execution")), SCHEMA, "/States/X/ResultPath");
    assert_has(&m(json!("$var")), SCHEMA, "/States/X/ResultPath");
    assert_has(&m(json!("a")), SCHEMA, "/States/X/ResultPath");
}

#[test]
fn input_and_output_paths_are_paths_or_null() {
    assert_clean(&machine(
        json!({"X": {"Type": "Pass", "InputPath": null, "OutputPath": "$$.Execution.Input", "End": true}}),
    ));
    assert_has(
        &machine(json!({"X": {"Type": "Pass", "InputPath": "a.b", "End": true}})),
        SCHEMA,
        "/States/X/InputPath",
    );
    assert_has(
        &machine(json!({"X": {"Type": "Pass", "OutputPath": 3, "End": true}})),
        SCHEMA,
        "/States/X/OutputPath",
    );
}

// ---------------------------------------------------------------------------------------------------
// JSONata expressions.

fn jsonata_output(output: Value) -> Value {
    jsonata_machine(json!({"Main": {"Type": "Pass", "Output": output, "End": true}}))
}

#[test]
fn jsonata_expressions_must_parse() {
    let d = errors(&jsonata_output(json!("{% $states.input.a + %}")));
    assert_eq!(
        d,
        vec![(
            codes::INVALID_JSONATA_EXPRESSION,
            "/States/Main/Output".to_owned()
        )]
    );
    let d = errors(&jsonata_output(json!({"a": ["{% a[1,2) %}"]})));
    assert_eq!(
        d,
        vec![(
            codes::INVALID_JSONATA_EXPRESSION,
            "/States/Main/Output/a/0".to_owned()
        )]
    );
    let message = &validate(&jsonata_output(json!("{% 1 + %}")))[0].message;
    assert!(
        !message.starts_with("S0"),
        "the parser code is stripped: {message}"
    );
}

#[test]
fn jsonata_root_reference_is_unsupported() {
    assert_errors(
        &jsonata_output(json!("{% $$ %}")),
        &[(
            codes::UNSUPPORTED_JSONATA_EXPRESSION,
            "/States/Main/Output",
            "Reference to '$$' is not supported.",
        )],
    );
}

#[test]
fn jsonata_top_level_names_are_unsupported() {
    // Measured by floci on AWS: "Reference to 'phone' at the top level is not supported."
    assert_errors(
        &jsonata_output(json!({"v": "{% phone %}"})),
        &[(
            codes::UNSUPPORTED_JSONATA_EXPRESSION,
            "/States/Main/Output/v",
            "Reference to 'phone' at the top level is not supported.",
        )],
    );
    assert_clean(&jsonata_output(
        json!({"v": "{% $states.input.items[value > 3] %}"}),
    ));
}

#[test]
fn error_output_is_only_read_in_catchers() {
    assert_errors(
        &jsonata_output(json!("{% $states.errorOutput %}")),
        &[(
            codes::UNSUPPORTED_JSONATA_EXPRESSION,
            "/States/Main/Output",
            "Field '$states.errorOutput' does not exist.",
        )],
    );
    let catching = |field: &str| {
        let mut catcher = json!({"ErrorEquals": ["States.ALL"], "Next": "Handled"});
        catcher[field] = match field {
            "Assign" => json!({"lastError": "{% $states.errorOutput %}"}),
            _ => json!("{% $states.errorOutput %}"),
        };
        jsonata_machine(json!({
            "Main": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "Catch": [catcher], "Next": "Handled"},
            "Handled": {"Type": "Pass", "End": true}
        }))
    };
    assert_clean(&catching("Output"));
    assert_clean(&catching("Assign"));
}

#[test]
fn jsonata_strings_must_close() {
    assert_errors(
        &jsonata_output(json!("{% 1")),
        &[(
            SCHEMA,
            "/States/Main/Output",
            "JSONata string must start with {% and end with %}",
        )],
    );
    // A string that does not open with {% is a literal.
    assert_clean(&jsonata_output(json!("just text %}")));
}

// ---------------------------------------------------------------------------------------------------
// Ordering.

#[test]
fn errors_come_before_warnings() {
    let d = validate(&machine(json!({
        "A": {"Type": "Pass", "Parameters": {"id": "$.id"}, "Next": "B"},
        "B": {"Type": "Pass", "Foo": 1, "End": true}
    })));
    let severities: Vec<Severity> = d.iter().map(|d| d.severity).collect();
    assert_eq!(severities, vec![Severity::Error, Severity::Warning]);
    assert!(!is_valid(&d));
    assert!(is_valid(&d[1..]));
}

#[test]
fn every_problem_is_reported() {
    let d = errors(&json!({
        "StartAt": "A",
        "Extra": 1,
        "States": {
            "A": {"Type": "Pass", "Next": "Nowhere", "Bogus": true},
            "B": {"Type": "Wait", "End": true},
            "C": {"Type": "Task", "Resource": "x", "End": true}
        }
    }));
    assert_eq!(d.len(), 7, "{d:?}");
}

// ---------------------------------------------------------------------------------------------------
// The AWS-recorded conformance definitions.

/// The AWS-recorded definitions: `<project root>/../shared/conformance/aws-recorded`.
fn recorded_definitions() -> Vec<(String, Value)> {
    let dir = crate::testing::recordings_dir();
    let entries =
        std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{} is missing: {e}", dir.display()));
    let mut out = Vec::new();
    for entry in entries {
        let path = entry.expect("readable directory entry").path();
        if path.extension().and_then(|e| e.to_str()) != Some("json") {
            continue;
        }
        let text = std::fs::read_to_string(&path).expect("readable case");
        let case: Value = serde_json::from_str(&text).expect("case is JSON");
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        out.push((name, case["definition"].clone()));
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    assert!(
        out.len() > 300,
        "expected the recorded cases in {}, found {}",
        dir.display(),
        out.len()
    );
    out
}

/// AWS accepted every recorded definition, so none may yield an error.
#[test]
fn every_recorded_definition_is_accepted() {
    let mut failures = Vec::new();
    for (name, definition) in recorded_definitions() {
        let errors: Vec<_> = validate(&definition)
            .into_iter()
            .filter(|d| d.severity == Severity::Error)
            .collect();
        if !errors.is_empty() {
            failures.push(format!("{name}: {errors:?}"));
        }
    }
    assert!(
        failures.is_empty(),
        "{} rejected:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// Every state of a machine, nested ones included, as `(pointer, state)`.
fn all_states(machine: &Value, base: &str, out: &mut Vec<String>) {
    let Some(states) = machine.get("States").and_then(Value::as_object) else {
        return;
    };
    for (name, state) in states {
        let loc = crate::diagnostic::pointer(&crate::diagnostic::pointer(base, "States"), name);
        for (i, branch) in state
            .get("Branches")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .enumerate()
        {
            all_states(
                branch,
                &crate::diagnostic::pointer(&crate::diagnostic::pointer(&loc, "Branches"), i),
                out,
            );
        }
        for key in ["ItemProcessor", "Iterator"] {
            if let Some(processor) = state.get(key) {
                all_states(processor, &crate::diagnostic::pointer(&loc, key), out);
            }
        }
        out.push(loc);
    }
}

/// Mutated copies of the recorded definitions must be rejected, each with the expected error.
#[test]
fn mutated_recorded_definitions_are_rejected() {
    type Mutation = (&'static str, &'static str, fn(&mut Value, &str) -> bool);
    let mutations: &[Mutation] = &[
        ("unknown field", SCHEMA, |m, at| {
            m.pointer_mut(at)
                .and_then(Value::as_object_mut)
                .map(|s| s.insert("Bogus".into(), json!(1)))
                .is_some()
        }),
        ("unknown type", SCHEMA, |m, at| {
            m.pointer_mut(&format!("{at}/Type"))
                .map(|t| *t = json!("Bogus"))
                .is_some()
        }),
        ("dangling Next", TARGET, |m, at| {
            match m.pointer_mut(&format!("{at}/Next")) {
                Some(next) => {
                    *next = json!("NoSuchState");
                    true
                }
                None => false,
            }
        }),
        ("Next and End", SCHEMA, |m, at| {
            let Some(state) = m.pointer_mut(at).and_then(Value::as_object_mut) else {
                return false;
            };
            if state.contains_key("End") && !state.contains_key("Next") {
                state.insert("Next".into(), json!("Elsewhere"));
                true
            } else {
                false
            }
        }),
        ("Retry on a Pass", SCHEMA, |m, at| {
            let Some(state) = m.pointer_mut(at).and_then(Value::as_object_mut) else {
                return false;
            };
            if state.get("Type") == Some(&json!("Pass")) {
                state.insert("Retry".into(), json!([{"ErrorEquals": ["States.ALL"]}]));
                true
            } else {
                false
            }
        }),
    ];
    let mut checked = 0;
    for (name, definition) in recorded_definitions() {
        let mut locations = Vec::new();
        all_states(&definition, "", &mut locations);
        for (what, code, mutate) in mutations {
            for at in &locations {
                let mut copy = definition.clone();
                if !mutate(&mut copy, at) {
                    continue;
                }
                let found = errors(&copy);
                assert!(
                    found
                        .iter()
                        .any(|(c, l)| c == code && l.starts_with(at.as_str())),
                    "{name}: {what} at {at} not reported as {code}: {found:?}"
                );
                checked += 1;
            }
        }
        // An extra state nothing leads to.
        let mut copy = definition.clone();
        copy["States"]["__Orphan"] = json!({"Type": "Succeed"});
        assert!(
            errors(&copy).contains(&(TARGET, "/States/__Orphan".to_owned())),
            "{name}: orphan accepted"
        );
        // A StartAt naming no state.
        let mut copy = definition.clone();
        copy["StartAt"] = json!("__Nowhere");
        assert!(
            errors(&copy).contains(&(TARGET, "/StartAt".to_owned())),
            "{name}: dangling StartAt accepted"
        );
    }
    assert!(checked > 1000, "only {checked} mutations applied");
}

// ---------------------------------------------------------------------------------------------------
// Value syntax through the shared parsers (paths, intrinsic functions, templates, Choice rules).

#[test]
fn paths_must_parse() {
    assert_has(
        &machine(json!({"X": {"Type": "Pass", "InputPath": "$.a[", "End": true}})),
        SCHEMA,
        "/States/X/InputPath",
    );
    assert_clean(&machine(
        json!({"X": {"Type": "Pass", "InputPath": "$.items[*].id", "End": true}}),
    ));
    assert_clean(&machine(
        json!({"X": {"Type": "Pass", "InputPath": "$['a b'][0]", "End": true}}),
    ));
}

#[test]
fn reference_paths_select_one_node() {
    let w = |path: &str| wait_with(json!({"SecondsPath": path}));
    assert_clean(&w("$.a.b[0]"));
    assert_clean(&w("$$.Execution.Input.n"));
    assert_clean(&w("$seconds"));
    assert_has(&w("$.a[*]"), SCHEMA, "/States/W/SecondsPath");
    assert_has(&w("$.a[?(@.x > 1)]"), SCHEMA, "/States/W/SecondsPath");
    assert_has(&w("$.a.length()"), SCHEMA, "/States/W/SecondsPath");
    let d = validate(&w("seconds"));
    assert_eq!(
        d[0].message,
        "Value is not a Reference Path: Reference path didn't start with '$'"
    );
}

#[test]
fn template_values_must_parse() {
    assert_has(
        &machine(json!({"X": {"Type": "Pass", "Parameters": {"x": {"y.$": "$.a["}}, "End": true}})),
        SCHEMA,
        "/States/X/Parameters/x/y.$",
    );
    assert_has(
        &machine(
            json!({"X": {"Type": "Pass", "Parameters": {"x.$": "States.Nope($.a)"}, "End": true}}),
        ),
        SCHEMA,
        "/States/X/Parameters/x.$",
    );
    assert_has(
        &machine(
            json!({"X": {"Type": "Pass", "Assign": {"x.$": "States.Format('{}'"}, "End": true}}),
        ),
        SCHEMA,
        "/States/X/Assign/x.$",
    );
    assert_clean(&machine(json!({"X": {"Type": "Pass",
        "Parameters": {"f.$": "States.Format('{} {}', $.a, $$.Execution.Id)", "list": [{"v.$": "$var"}]}, "End": true}})));
}

#[test]
fn error_path_intrinsic_must_parse() {
    assert_has(
        &machine(json!({"F": {"Type": "Fail", "ErrorPath": "States.Format('{}', $.e"}})),
        SCHEMA,
        "/States/F/ErrorPath",
    );
    assert_has(
        &machine(json!({"F": {"Type": "Fail", "CausePath": "$.a[*]"}})),
        SCHEMA,
        "/States/F/CausePath",
    );
}

#[test]
fn choice_rule_paths_must_be_reference_paths() {
    assert_has(
        &choice(json!([{"Variable": "$.a[*]", "IsPresent": true, "Next": "D"}])),
        SCHEMA,
        "/States/C/Choices/0/Variable",
    );
    assert_has(
        &choice(json!([{"Variable": "$.a", "NumericEqualsPath": "$.b..c", "Next": "D"}])),
        SCHEMA,
        "/States/C/Choices/0/NumericEqualsPath",
    );
    assert_has(
        &choice(
            json!([{"Or": [{"Variable": "$.a", "IsNull": true}, {"Variable": "$.b[1:2]", "IsNull": true}], "Next": "D"}]),
        ),
        SCHEMA,
        "/States/C/Choices/0/Or/1/Variable",
    );
    assert_clean(&choice(
        json!([{"Variable": "$$.Execution.Input.input-value", "StringMatches": "a*", "Next": "D"}]),
    ));
}

//! Compiling and evaluating whole Choice rules.

use serde_json::json;

use super::{Condition, ConditionError};
use crate::Value;
use crate::error::names;
use crate::testing::TestScope;

fn compile(rule: serde_json::Value) -> Condition {
    Condition::compile(&rule).unwrap_or_else(|e| panic!("{rule} should compile: {e}"))
}

fn compile_error(rule: serde_json::Value) -> ConditionError {
    match Condition::compile(&rule) {
        Ok(_) => panic!("{rule} should not compile"),
        Err(e) => e,
    }
}

fn eval(rule: serde_json::Value, input: serde_json::Value) -> Result<bool, crate::StatesError> {
    compile(rule).evaluate(&TestScope::with_input(Value::from(input)))
}

fn holds(rule: serde_json::Value, input: serde_json::Value) -> bool {
    let text = format!("{rule} on {input}");
    eval(rule, input).unwrap_or_else(|e| panic!("{text} failed: {e}"))
}

fn invalid_path(path: &str) -> crate::StatesError {
    crate::StatesError::runtime(format!(
        "Invalid path '{path}': The choice state's condition path references an invalid value."
    ))
}

#[test]
fn compile_errors_name_the_bad_field() {
    let cases = [
        (
            json!({"Variable": "$.x", "NumericEquals": "one"}),
            "/NumericEquals",
        ),
        (
            json!({"Variable": "$.x", "StringEquals": 1}),
            "/StringEquals",
        ),
        (
            json!({"Variable": "$.x", "StringMatches": null}),
            "/StringMatches",
        ),
        (
            json!({"Variable": "$.x", "BooleanEquals": "true"}),
            "/BooleanEquals",
        ),
        (json!({"Variable": "$.x", "IsPresent": "yes"}), "/IsPresent"),
        (json!({"Variable": "$.x", "IsNull": 1}), "/IsNull"),
        (
            json!({"Variable": "$.x", "TimestampEquals": "2012-10-09T19:00:55"}),
            "/TimestampEquals",
        ),
        (
            json!({"Variable": "$.x", "TimestampLessThan": 0}),
            "/TimestampLessThan",
        ),
        (
            json!({"Variable": "$.x", "StringEqualsPath": "x"}),
            "/StringEqualsPath",
        ),
        (
            json!({"Variable": "$.x", "NumericEqualsPath": 3}),
            "/NumericEqualsPath",
        ),
        (json!({"Variable": "x", "NumericEquals": 3}), "/Variable"),
        (json!({"Variable": 3, "NumericEquals": 3}), "/Variable"),
        (json!({"NumericEquals": 3}), ""),
        (json!({"Variable": "$.x"}), ""),
        (
            json!({"Variable": "$.x", "NumericEquals": 3, "NumericLessThan": 4}),
            "",
        ),
        (
            json!({"Variable": "$.x", "NumericEquals": 3, "And": []}),
            "",
        ),
        (json!({"Variable": "$.x", "NumericEqual": 3}), ""),
        (json!({"Variable": "$.x", "BooleanLessThan": true}), ""),
        (json!({"Variable": "$.x", "StringMatchesPath": "$.y"}), ""),
        (json!({"Variable": "$.x", "Condition": "{% true %}"}), ""),
        (json!({"And": []}), "/And"),
        (json!({"Or": {}}), "/Or"),
        (json!({"Not": []}), "/Not"),
        (json!({"And": [1]}), "/And/0"),
        (
            json!({"Variable": "$.x", "And": [{"Variable": "$.x", "IsNull": true}]}),
            "",
        ),
        (
            json!({"And": [{"Variable": "$.a", "IsNull": true}, {"Variable": "$.b", "StringEquals": 1}]}),
            "/And/1/StringEquals",
        ),
        (
            json!({"Or": [{"Not": {"Variable": "$.a", "NumericEquals": true}}]}),
            "/Or/0/Not/NumericEquals",
        ),
        (
            json!({"Not": {"Variable": "$.a", "IsNull": true, "Next": "X"}}),
            "/Not",
        ),
        (
            json!({"And": [{"Variable": "$.a", "IsNull": true, "Assign": {}}]}),
            "/And/0",
        ),
        (json!("StringEquals"), ""),
    ];
    for (rule, pointer) in cases {
        let error = compile_error(rule.clone());
        assert_eq!(error.pointer, pointer, "{rule}: {error}");
        assert!(!error.message.is_empty());
    }
    // AWS's ValidateStateMachineDefinition wording.
    let messages = [
        (
            json!({"Variable": "$.x", "Foo": 1}),
            "Field 'Foo' is not supported",
        ),
        (
            json!({"Variable": "$.x", "NumericEquals": "one"}),
            "Expected value of type [NUMBER]",
        ),
        (
            json!({"Variable": "$.x", "StringLessThan": 1}),
            "Expected value of type [STRING]",
        ),
        (
            json!({"Variable": "$.x", "IsString": "true"}),
            "Expected value of type [BOOLEAN]",
        ),
        (
            json!({"Variable": "$.x", "TimestampEquals": "2016-08-18"}),
            "String does not match RFC3339 timestamp",
        ),
        (
            json!({"Variable": "x", "IsNull": true}),
            "Value is not a Reference Path: Reference path didn't start with '$'",
        ),
        (
            json!({"IsNull": true}),
            "These fields are required: [Variable]",
        ),
        (
            json!({"Variable": "$.x", "IsNull": true, "IsString": true}),
            "There should only be one of the following fields: [IsNull, IsString]",
        ),
        (
            json!({"Variable": "$.x", "Not": {"Variable": "$.x", "IsNull": true}}),
            "There should only be one of the following fields: [And, Or, Not, Variable]",
        ),
        (
            json!({"Comment": "nothing"}),
            "This object should have only one of the following fields: [And, Or, Not, Variable]",
        ),
        (json!({"And": []}), "Value cannot be empty"),
        (json!({"Or": {}}), "Expected value of type [ARRAY]"),
        (json!({"Not": []}), "Expected value of type [OBJECT]"),
        (
            json!({"Not": {"Variable": "$.a", "IsNull": true, "Next": "X"}}),
            "Field 'Next' is not supported",
        ),
    ];
    for (rule, message) in messages {
        assert_eq!(compile_error(rule.clone()).message, message, "{rule}");
    }
    let none = compile_error(json!({"Variable": "$.x"})).message;
    assert!(
        none.starts_with(
            "This object should have only one of the following fields: [BooleanEquals, "
        )
    );
    assert_eq!(
        none.matches(", ").count(),
        38,
        "all 39 operators are listed: {none}"
    );
}

#[test]
fn top_level_next_assign_output_and_comments_are_ignored() {
    compile(json!({
        "Variable": "$.x", "IsNull": true, "Next": "A", "Assign": {"a": 1}, "Output": {}, "Comment": "c"
    }));
    compile(
        json!({"And": [{"Variable": "$.x", "IsNull": true, "Comment": "nested"}], "Next": "A"}),
    );
}

#[test]
fn a_missing_variable_fails_every_operator_but_is_present() {
    let input = json!({"a": {"b": 1}, "s": "text"});
    for rule in [
        json!({"Variable": "$.missing", "NumericEquals": 1}),
        json!({"Variable": "$.missing", "StringEquals": "x"}),
        json!({"Variable": "$.missing", "IsNull": true}),
        json!({"Variable": "$.missing", "IsNull": false}),
        json!({"Variable": "$.missing", "IsString": false}),
        json!({"Variable": "$.missing", "IsTimestamp": false}),
        json!({"Variable": "$.missing", "BooleanEquals": false}),
        json!({"Variable": "$.missing", "StringMatches": "*"}),
        json!({"Not": {"Variable": "$.missing", "TimestampEquals": "2012-10-09T19:00:55Z"}}),
    ] {
        assert_eq!(
            eval(rule.clone(), input.clone()),
            Err(invalid_path("$.missing")),
            "{rule}"
        );
    }
    assert_eq!(
        eval(
            json!({"Variable": "$.a.c", "IsNumeric": true}),
            input.clone()
        ),
        Err(invalid_path("$.a.c"))
    );
    let error = eval(
        json!({"Variable": "$.missing", "IsNull": true}),
        input.clone(),
    )
    .unwrap_err();
    assert_eq!(error.error, names::RUNTIME);
}

#[test]
fn is_present_tests_whether_the_path_selects_something() {
    let input = json!({"a": {"b": null}, "s": "text", "list": [1]});
    assert!(holds(
        json!({"Variable": "$.a.b", "IsPresent": true}),
        input.clone()
    ));
    assert!(!holds(
        json!({"Variable": "$.a.b", "IsPresent": false}),
        input.clone()
    ));
    assert!(holds(
        json!({"Variable": "$.a.c", "IsPresent": false}),
        input.clone()
    ));
    assert!(!holds(
        json!({"Variable": "$.a.c", "IsPresent": true}),
        input.clone()
    ));
    assert!(holds(
        json!({"Variable": "$.s.deeper", "IsPresent": false}),
        input.clone()
    ));
    assert!(holds(
        json!({"Variable": "$.list[0]", "IsPresent": true}),
        input.clone()
    ));
    assert!(holds(
        json!({"Variable": "$.list[1]", "IsPresent": false}),
        input.clone()
    ));
    assert!(holds(json!({"Variable": "$", "IsPresent": true}), input));
}

#[test]
fn and_stops_at_the_first_false_rule() {
    // The developer guide's guard: the StringEquals is only evaluated when the key exists.
    let guarded = json!({"And": [
        {"Variable": "$.keyThatMightNotExist", "IsPresent": true},
        {"Variable": "$.keyThatMightNotExist", "StringEquals": "foo"}
    ]});
    assert!(!holds(guarded.clone(), json!({})));
    assert!(holds(
        guarded.clone(),
        json!({"keyThatMightNotExist": "foo"})
    ));
    assert!(!holds(guarded, json!({"keyThatMightNotExist": "bar"})));
    let or = json!({"Or": [
        {"Variable": "$.x", "IsPresent": false},
        {"Variable": "$.x", "NumericGreaterThan": 3}
    ]});
    assert!(holds(or.clone(), json!({})));
    assert!(holds(or.clone(), json!({"x": 4})));
    assert!(!holds(or.clone(), json!({"x": 3})));
    // Evaluation order matters: a missing path after a true rule in Or is never reached...
    assert!(holds(
        json!({"Or": [{"Variable": "$.x", "IsNull": false}, {"Variable": "$.missing", "IsNull": true}]}),
        json!({"x": 1})
    ));
    // ...but one before it fails the execution.
    assert_eq!(
        eval(
            json!({"Or": [{"Variable": "$.missing", "IsNull": true}, {"Variable": "$.x", "IsNull": false}]}),
            json!({"x": 1})
        ),
        Err(invalid_path("$.missing"))
    );
}

#[test]
fn the_developer_guide_example_routes_by_value() {
    // "Step Functions transitions to the ValueInTwenties state, based on the value field."
    let rules = [
        json!({"Not": {"Variable": "$.type", "StringEquals": "Private"}, "Next": "Public"}),
        json!({"Variable": "$.value", "NumericEquals": 0, "Next": "ValueIsZero"}),
        json!({"And": [
            {"Variable": "$.value", "NumericGreaterThanEquals": 20},
            {"Variable": "$.value", "NumericLessThan": 30}
        ], "Next": "ValueInTwenties"}),
    ];
    let input = json!({"type": "Private", "value": 22});
    let taken: Vec<bool> = rules
        .iter()
        .map(|r| holds(r.clone(), input.clone()))
        .collect();
    assert_eq!(taken, [false, false, true]);
}

#[test]
fn a_variable_of_the_wrong_type_makes_the_comparison_false() {
    let input = json!({"s": "1", "n": 1, "b": true, "o": {}, "a": [], "z": null});
    for variable in ["$.s", "$.b", "$.o", "$.a", "$.z"] {
        assert!(
            !holds(
                json!({"Variable": variable, "NumericEquals": 1}),
                input.clone()
            ),
            "{variable}"
        );
        assert!(
            !holds(
                json!({"Variable": variable, "NumericLessThan": 5}),
                input.clone()
            ),
            "{variable}"
        );
    }
    for variable in ["$.n", "$.b", "$.o", "$.a", "$.z"] {
        assert!(!holds(
            json!({"Variable": variable, "StringGreaterThanEquals": ""}),
            input.clone()
        ));
        assert!(!holds(
            json!({"Variable": variable, "StringMatches": "*"}),
            input.clone()
        ));
        assert!(!holds(
            json!({"Variable": variable, "TimestampLessThan": "2100-01-01T00:00:00Z"}),
            input.clone()
        ));
    }
    assert!(!holds(
        json!({"Variable": "$.s", "BooleanEquals": true}),
        input.clone()
    ));
    assert!(!holds(
        json!({"Variable": "$.n", "BooleanEquals": true}),
        input.clone()
    ));
    // Negation of a type mismatch is true.
    assert!(holds(
        json!({"Not": {"Variable": "$.s", "NumericEquals": 1}}),
        input
    ));
}

#[test]
fn path_operands_compare_against_another_input_value() {
    let input = json!({
        "n1": 1, "n2": 2, "f1": 1.0, "s1": "a", "s2": "b", "t0": "2012-10-09T19:00:55Z",
        "t1": "2012-10-09T20:00:56+01:00", "yes": true, "no": false, "text": "x"
    });
    assert!(holds(
        json!({"Variable": "$.n1", "NumericEqualsPath": "$.f1"}),
        input.clone()
    ));
    assert!(holds(
        json!({"Variable": "$.n1", "NumericLessThanPath": "$.n2"}),
        input.clone()
    ));
    assert!(!holds(
        json!({"Variable": "$.n2", "NumericLessThanEqualsPath": "$.n1"}),
        input.clone()
    ));
    assert!(holds(
        json!({"Variable": "$.s2", "StringGreaterThanPath": "$.s1"}),
        input.clone()
    ));
    assert!(holds(
        json!({"Variable": "$.s1", "StringEqualsPath": "$.s1"}),
        input.clone()
    ));
    assert!(holds(
        json!({"Variable": "$.t0", "TimestampLessThanPath": "$.t1"}),
        input.clone()
    ));
    assert!(!holds(
        json!({"Variable": "$.t0", "TimestampEqualsPath": "$.t1"}),
        input.clone()
    ));
    assert!(holds(
        json!({"Variable": "$.yes", "BooleanEqualsPath": "$.yes"}),
        input.clone()
    ));
    assert!(!holds(
        json!({"Variable": "$.yes", "BooleanEqualsPath": "$.no"}),
        input.clone()
    ));
    // A path operand that selects nothing fails like a missing Variable.
    assert_eq!(
        eval(
            json!({"Variable": "$.n1", "NumericEqualsPath": "$.missing"}),
            input.clone()
        ),
        Err(invalid_path("$.missing"))
    );
    assert_eq!(
        eval(
            json!({"Variable": "$.s1", "NumericEqualsPath": "$.missing"}),
            input.clone()
        ),
        Err(invalid_path("$.missing"))
    );
    // An equality against a value of another type is false...
    assert!(!holds(
        json!({"Variable": "$.n1", "NumericEqualsPath": "$.s1"}),
        input.clone()
    ));
    assert!(!holds(
        json!({"Variable": "$.s1", "NumericEqualsPath": "$.s2"}),
        input.clone()
    ));
    assert!(!holds(
        json!({"Variable": "$.n1", "StringEqualsPath": "$.n2"}),
        input.clone()
    ));
    assert!(!holds(
        json!({"Variable": "$.yes", "BooleanEqualsPath": "$.n1"}),
        input.clone()
    ));
    assert!(!holds(
        json!({"Variable": "$.t0", "TimestampEqualsPath": "$.text"}),
        input.clone()
    ));
    // ...and so is an ordering whose Variable has the wrong type...
    assert!(!holds(
        json!({"Variable": "$.n1", "StringGreaterThanPath": "$.s2"}),
        input.clone()
    ));
    // ...but an ordering against an operand of the wrong type fails.
    assert_eq!(
        eval(
            json!({"Variable": "$.n1", "StringGreaterThanPath": "$.n2"}),
            input.clone()
        ),
        Err(invalid_path("$.n2"))
    );
    assert_eq!(
        eval(
            json!({"Variable": "$.n1", "NumericLessThanPath": "$.s1"}),
            input.clone()
        ),
        Err(invalid_path("$.s1"))
    );
    assert_eq!(
        eval(
            json!({"Variable": "$.t0", "TimestampGreaterThanEqualsPath": "$.text"}),
            input
        ),
        Err(invalid_path("$.text"))
    );
}

#[test]
fn literal_comparisons() {
    let input = json!({"n": 20, "f": 2.5, "s": "MyStringABD", "t": "2001-01-01T12:00:00Z", "file": "log-7.txt"});
    assert!(holds(
        json!({"Variable": "$.n", "NumericEquals": 20.0}),
        input.clone()
    ));
    assert!(holds(
        json!({"Variable": "$.f", "NumericGreaterThan": 2}),
        input.clone()
    ));
    assert!(holds(
        json!({"Variable": "$.f", "NumericLessThanEquals": 2.5}),
        input.clone()
    ));
    assert!(holds(
        json!({"Variable": "$.s", "StringGreaterThan": "MyStringABC"}),
        input.clone()
    ));
    assert!(!holds(
        json!({"Variable": "$.s", "StringLessThan": "MyStringABC"}),
        input.clone()
    ));
    assert!(holds(
        json!({"Variable": "$.s", "StringLessThanEquals": "MyStringABD"}),
        input.clone()
    ));
    assert!(holds(
        json!({"Variable": "$.t", "TimestampEquals": "2001-01-01T12:00:00Z"}),
        input.clone()
    ));
    assert!(holds(
        json!({"Variable": "$.t", "TimestampEquals": "2001-01-01T13:00:00.000+01:00"}),
        input.clone()
    ));
    assert!(holds(
        json!({"Variable": "$.t", "TimestampGreaterThan": "2001-01-01T11:59:59.999Z"}),
        input.clone()
    ));
    assert!(holds(
        json!({"Variable": "$.t", "TimestampLessThanEquals": "2001-01-01T12:00:00Z"}),
        input.clone()
    ));
    assert!(!holds(
        json!({"Variable": "$.t", "TimestampGreaterThanEquals": "2001-01-01T12:00:01Z"}),
        input.clone()
    ));
    // A timestamp is also a string.
    assert!(holds(
        json!({"Variable": "$.t", "StringEquals": "2001-01-01T12:00:00Z"}),
        input.clone()
    ));
    assert!(holds(
        json!({"Variable": "$.t", "IsString": true}),
        input.clone()
    ));
    assert!(holds(
        json!({"Variable": "$.t", "IsTimestamp": true}),
        input.clone()
    ));
    assert!(holds(
        json!({"Variable": "$.file", "StringMatches": "log-*.txt"}),
        input.clone()
    ));
    assert!(!holds(
        json!({"Variable": "$.file", "StringMatches": "log-\\*.txt"}),
        input
    ));
}

#[test]
fn variables_and_the_context_object_are_paths_too() {
    let mut scope = TestScope::with_input(Value::from(json!({"x": 1})));
    scope
        .variables
        .insert("limit".into(), Value::from(json!({"max": 3})));
    scope.context = Value::from(json!({"State": {"Name": "Decide"}}));
    let check = |rule: serde_json::Value| compile(rule).evaluate(&scope);
    assert_eq!(
        check(json!({"Variable": "$.x", "NumericLessThanPath": "$limit.max"})),
        Ok(true)
    );
    assert_eq!(
        check(json!({"Variable": "$limit.max", "NumericEquals": 3})),
        Ok(true)
    );
    assert_eq!(
        check(json!({"Variable": "$$.State.Name", "StringEquals": "Decide"})),
        Ok(true)
    );
    assert_eq!(
        check(json!({"Variable": "$unset", "IsPresent": false})),
        Ok(true)
    );
    assert_eq!(
        check(json!({"Variable": "$unset", "IsNull": true})),
        Err(invalid_path("$unset"))
    );
}

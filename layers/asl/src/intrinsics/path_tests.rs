//! Tests with path arguments: AWS's causes for paths that find nothing, `$`, `$$` and `$var` roots, and a
//! replay of every AWS-recorded conformance case whose machine is one Pass (Parameters) or Fail
//! (ErrorPath/CausePath) state.

use super::*;
use crate::json;
use crate::payload::Template;
use crate::testing::TestScope;

fn scope(input: Value) -> TestScope {
    TestScope::with_input(input)
}

fn run(text: &str, scope: &TestScope) -> Result<Value, StatesError> {
    Intrinsic::parse(text)
        .unwrap_or_else(|e| panic!("{e}"))
        .eval(scope)
}

/// The cause AWS gives when the path argument `path` of `text` finds nothing in `input`.
fn missing_cause(text: &str, path: &str, input: &str) -> String {
    format!(
        "The function '{text}' had the following error: The JsonPath argument for the field '{path}' could not be \
         found in the input '{input}'"
    )
}

fn assert_missing(text: &str, path: &str, s: &TestScope) {
    let err = run(text, s).expect_err(text);
    assert_eq!(err.error, "States.Runtime", "{text}");
    assert_eq!(
        err.cause,
        Some(missing_cause(text, path, &s.input.to_json_string())),
        "{text}"
    );
}

#[test]
fn a_path_that_finds_nothing_fails_with_aws_cause() {
    // Causes captured from AWS (Floci's AslExecutorIntrinsicMissingArgumentTest; LocalStack issue #9706).
    let s = scope(json!({"other": 1}));
    assert_missing("States.Format('{}', $.nope)", "$.nope", &s);
    // The call is echoed as written, spacing included.
    assert_missing("States.Format('{}',$.nope)", "$.nope", &s);
    assert_missing("States.Format('{} {}', $.other, $.a.b)", "$.a.b", &s);
    assert_missing("States.Format($.nope, 1)", "$.nope", &s);
    // The whole expression is named, not the inner call.
    assert_missing(
        "States.Format('{}', States.Format('{}', $.nope))",
        "$.nope",
        &s,
    );
    for (text, path) in [
        ("States.ArrayLength($.nope)", "$.nope"),
        ("States.Array(1, $.nope)", "$.nope"),
        ("States.JsonToString($.nope)", "$.nope"),
        ("States.StringToJson($.nope)", "$.nope"),
        ("States.MathAdd($.nope, 1)", "$.nope"),
        ("States.ArrayContains($.nope, 1)", "$.nope"),
        ("States.JsonMerge($.nope, $.other, false)", "$.nope"),
        ("States.Hash('hello', $.missingAlgo)", "$.missingAlgo"),
    ] {
        assert_missing(text, path, &s);
    }
    // An index past the end of an argument's array is a miss too.
    assert_missing(
        "States.Format('{}', $.items[5])",
        "$.items[5]",
        &scope(json!({"items": [1, 2]})),
    );
    // A `$$.` argument is named rewritten to `$.`, and the cause quotes the state input.
    assert_missing("States.Format('{}', $$.Nope.Deep)", "$.Nope.Deep", &s);
    // An unassigned variable.
    assert_missing("States.Format('{}', $nope)", "$nope", &s);
}

#[test]
fn present_values_are_used_whatever_they_are() {
    let s = scope(json!({"nul": null, "items": [1, 2], "tpl": "n={}", "other": 1}));
    // Only absence fails: an explicit null formats as null.
    assert_eq!(
        run("States.Format('{}', $.nul)", &s).unwrap(),
        json!("null")
    );
    assert_eq!(run("States.Format($.tpl, 1)", &s).unwrap(), json!("n=1"));
    // A wildcard matching nothing is an empty array, not a miss.
    assert_eq!(
        run("States.ArrayLength($.items[*].nope)", &s).unwrap(),
        json!(0)
    );
    // `$` is the whole input, `$$` the whole context object.
    assert_eq!(
        run("States.JsonToString($)", &s).unwrap(),
        json!(r#"{"nul":null,"items":[1,2],"tpl":"n={}","other":1}"#)
    );
    assert_eq!(run("States.ArrayLength($.items)", &s).unwrap(), json!(2));
    assert_eq!(
        run("States.JsonToString($$)", &scope(json!(7))).unwrap(),
        json!(r#"{"Execution":{"Input":7}}"#)
    );
    assert_eq!(
        run("States.MathAdd($$.Execution.Input.other, 1)", &s).unwrap(),
        json!(2)
    );
}

#[test]
fn variables_are_read_from_the_scope() {
    // assign-reference-variables--reference-in-map-state-map-state-reference-in-intrinsic-function.
    let mut s = TestScope::default();
    s.variables
        .insert("AnswerTemplate".into(), json!("It's {}!"));
    s.context = json!({"Map": {"Item": {"Value": "Charizard", "Index": 0}}});
    assert_eq!(
        run("States.Format($AnswerTemplate, $$.Map.Item.Value)", &s).unwrap(),
        json!("It's Charizard!")
    );
}

#[test]
fn paths_are_listed_and_bad_paths_refused() {
    let call = Intrinsic::parse("States.Format('{}{}', $.a, States.Array($$.b, $c))").unwrap();
    let paths: Vec<&str> = call.paths().iter().map(|p| p.text()).collect();
    assert_eq!(paths, ["$.a", "$$.b", "$c"]);
    let err = Intrinsic::parse("States.Array($.a b)").unwrap_err();
    assert!(
        err.reason.starts_with("invalid path '$.a b': "),
        "{}",
        err.reason
    );
    assert!(err.reason.ends_with(" at character 13"), "{}", err.reason);
}

#[test]
fn path_arguments_end_at_the_top_level_comma_or_parenthesis() {
    let s = scope(json!({"a,b": 1, "c)": 2, "d": 3}));
    assert_eq!(
        run("States.Array($['a,b'], $['c)'] , $.d)", &s).unwrap(),
        json!([1, 2, 3])
    );
}

#[test]
fn payload_paths_that_find_nothing_fail_with_aws_cause() {
    // base-scenarios--invalid-jsonpath-invalid-jsonpath-in-string-expr-{jsonpath,contextpath}: the cause
    // names the path as written and quotes the state input even for a `$$.` path.
    let s = scope(json!({"int-literal": 0}));
    for path in [
        "$.no_such_jsonpath",
        "$$.Execution.Input.no_such_jsonpath",
        "$noSuchVar",
    ] {
        let t = Template::compile(&serde_json::json!({"value.$": path})).unwrap();
        let err = t.eval(&s).unwrap_err();
        assert_eq!(err.error, "States.Runtime");
        assert_eq!(
            err.cause.unwrap(),
            format!(
                "The JSONPath '{path}' specified for the field 'value.$' could not be found in the input '{{\"int-literal\":0}}'"
            )
        );
    }
}

#[test]
fn payload_paths_select_from_their_roots() {
    let mut s = scope(json!({"Iterations": 3, "Values": [0, 1, 2, 3]}));
    s.variables.insert("v".into(), json!({"x": [true]}));
    let t = Template::compile(&serde_json::json!({
        // base-scenarios--map-state-legacy-reentrant's BeforeIteration Parameters.
        "Iterations.$": "States.MathAdd($.Iterations, -1)",
        "Values.$": "$.Values",
        "all.$": "$",
        "ctx.$": "$$.Execution.Input.Iterations",
        "var.$": "$v.x",
        "nested": [{"n.$": "$.Values[1]"}]
    }))
    .unwrap();
    assert_eq!(
        t.eval(&s).unwrap(),
        json!({
            "Iterations": 2, "Values": [0, 1, 2, 3], "all": {"Iterations": 3, "Values": [0, 1, 2, 3]},
            "ctx": 3, "var": [true], "nested": [{"n": 1}]
        })
    );
    let paths: Vec<&str> = t.paths().iter().map(|p| p.text()).collect();
    assert_eq!(
        paths,
        [
            "$.Iterations",
            "$.Values",
            "$",
            "$$.Execution.Input.Iterations",
            "$v.x",
            "$.Values[1]"
        ]
    );
    // A selected subtree is shared with the input, not copied.
    match (t.eval(&s).unwrap().get("Values"), s.input.get("Values")) {
        (Some(Value::Array(a)), Some(Value::Array(b))) => assert!(std::sync::Arc::ptr_eq(a, b)),
        other => panic!("{other:?}"),
    }
}

#[test]
fn payload_index_past_the_end_is_null_but_a_missing_field_fails() {
    let s = scope(json!({"items": [1, 2], "obj": {"a": 1}}));
    let t = Template::compile(
        &serde_json::json!({"v.$": "$.items[5]", "w.$": "$.items[-3]", "x.$": "$.items[1]"}),
    )
    .unwrap();
    assert_eq!(t.eval(&s).unwrap(), json!({"v": null, "w": null, "x": 2}));
    for path in ["$.nope[0]", "$.obj[0]", "$.items[5].x", "$.items.x"] {
        let t = Template::compile(&serde_json::json!({"v.$": path})).unwrap();
        assert!(t.eval(&s).is_err(), "{path}");
    }
}

#[test]
fn payload_refuses_a_bad_path() {
    let e = Template::compile(&serde_json::json!({"p": {"a.$": "$.a b"}})).unwrap_err();
    assert_eq!(e.pointer, "/p/a.$");
    assert!(
        e.message
            .starts_with("The value for the field 'a.$' must be a valid JSONPath or a valid intrinsic function call ("),
        "{}",
        e.message
    );
}

/// The text of a recorded cause after the executor's "An error occurred while executing the state ..."
/// prefix.
fn strip_state_prefix(cause: &str) -> &str {
    match cause.find("). ") {
        Some(i) if cause.starts_with("An error occurred while executing the state '") => {
            &cause[i + 3..]
        }
        _ => cause,
    }
}

#[test]
fn recorded_aws_cases_replay() {
    let dir = crate::testing::recordings_dir();
    let mut checked = Vec::new();
    for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = entry.unwrap().path();
        let case: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        let states = case["definition"]["States"].as_object().unwrap();
        let [(_, state)] = states.iter().collect::<Vec<_>>()[..] else {
            continue;
        };
        let expected = &case["expected"];
        let input = Value::from(&case["input"]);
        let s = scope(input.clone());
        let name = case["name"].as_str().unwrap().to_owned();
        match (state["Type"].as_str(), state.get("Parameters")) {
            // Only Type, Parameters and End: nothing but the template shapes the output.
            (Some("Pass"), Some(parameters))
                if case["definition"].get("QueryLanguage").is_none()
                    && state.as_object().unwrap().keys().all(|k| {
                        ["Type", "Parameters", "End", "Comment"].contains(&k.as_str())
                    }) =>
            {
                let result = Template::compile(parameters)
                    .unwrap_or_else(|e| panic!("{name}: {e}"))
                    .eval(&s);
                match expected["status"].as_str() {
                    Some("SUCCEEDED") => {
                        assert_eq!(result.unwrap(), Value::from(&expected["output"]), "{name}")
                    }
                    _ => {
                        let err = result.expect_err(&name);
                        assert_eq!(err.error, expected["error"].as_str().unwrap(), "{name}");
                        let want = strip_state_prefix(expected["cause"].as_str().unwrap())
                            .replace("<json-input:1>", &input.to_json_string());
                        assert_eq!(err.cause.as_deref(), Some(want.as_str()), "{name}");
                    }
                }
            }
            (Some("Fail"), _)
                if state
                    .get("ErrorPath")
                    .is_some_and(|p| p.as_str().unwrap().starts_with("States.")) =>
            {
                for (field, want) in [("ErrorPath", "error"), ("CausePath", "cause")] {
                    let text = state[field].as_str().unwrap();
                    assert_eq!(
                        run(text, &s).unwrap(),
                        Value::from(&expected[want]),
                        "{name} {field}"
                    );
                }
            }
            _ => continue,
        }
        checked.push(name);
    }
    checked.sort();
    // array--* (26), encode-decode--* (2), generic--format-* (7), json-manipulation--* (11),
    // base--state-fail-intrinsic, and the two payload-path cases of base-scenarios--invalid-jsonpath-*.
    for prefix in [
        "array--",
        "encode-decode--",
        "generic--format-",
        "json-manipulation--",
    ] {
        assert!(
            checked.iter().any(|n| n.starts_with(prefix)),
            "no {prefix} case replayed"
        );
    }
    assert!(
        checked.iter().any(|n| n == "base--state-fail-intrinsic"),
        "{checked:?}"
    );
    assert!(
        checked
            .iter()
            .filter(|n| n.contains("invalid-jsonpath-in-string-expr"))
            .count()
            == 2,
        "{checked:?}"
    );
    assert!(
        checked.len() >= 49,
        "only {} cases replayed: {checked:?}",
        checked.len()
    );
}

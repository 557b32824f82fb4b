//! Tests of the public API, many taken from executions recorded against AWS
//! (/work/shared/conformance/aws-recorded).

use super::*;
use crate::error::names::QUERY_EVALUATION_ERROR;
use crate::json;

fn eval_field(text: &str, env: &Env<'_>, field: &str) -> Result<Value, StatesError> {
    Expression::compile(text)
        .unwrap()
        .evaluate_field(env, field)
}

fn on_input(text: &str, input: Value) -> Result<Value, StatesError> {
    let context = json!({});
    eval_field(text, &Env::new(&input, &context), "Output")
}

fn cause(result: Result<Value, StatesError>) -> String {
    let err = result.unwrap_err();
    assert_eq!(err.error, QUERY_EVALUATION_ERROR);
    err.cause.unwrap()
}

#[test]
fn delimiters_follow_aws_rules() {
    assert!(is_expression("{% $x %}"));
    assert!(is_expression("{%$x%}"));
    assert!(!is_expression(" {% $x %}"));
    assert!(!is_expression("{% $x %} "));
    assert!(!is_expression("text {% $x %}"));
    assert!(!is_expression("{%"));
    assert!(!is_expression("{%}"));
    assert_eq!(strip_delimiters("{%  true \n%}"), Some("true"));
    assert_eq!(strip_delimiters("$.no.such.path"), None);
    assert!(is_expression_value(&serde_json::json!("{% 1 %}")));
    assert!(!is_expression_value(&serde_json::json!(1)));
}

#[test]
fn compile_errors_drop_the_code_and_refuse_jsonata_2_1_operators() {
    let e = Expression::compile("1 +").unwrap_err();
    assert_eq!(e.code(), Some("S0207"));
    assert_eq!(e.to_string(), "Unexpected end of expression");
    let e = Expression::compile("$x ?? 1").unwrap_err();
    assert_eq!(
        e.to_string(),
        "The symbol \"?\" cannot be used as a unary operator"
    );
    assert!(Expression::compile("$x ?: 1").is_err());
    let t = Template::compile(&serde_json::json!({"a": ["x", "{% ( %}"]}), "Output").unwrap_err();
    assert_eq!(t.pointer(), "/a/1");
}

/// Recorded: array-jsonata--array-range-{0,1,2,3}.
#[test]
fn range_as_recorded() {
    let expr = "$range($states.input.FunctionInput.fst, $states.input.FunctionInput.snd, $states.input.FunctionInput.trd)";
    let run = |a: i64, b: i64, c: i64| {
        on_input(
            expr,
            json!({"FunctionInput": {"fst": a, "snd": b, "trd": c}}),
        )
        .unwrap()
    };
    assert_eq!(run(0, 9, 3), json!([0, 3, 6, 9]));
    assert_eq!(run(0, 10, 3), json!([0, 3, 6, 9]));
    assert_eq!(run(1, 9, 9), json!(1));
    assert_eq!(run(1, 9, 2), json!([1, 3, 5, 7, 9]));
}

/// Recorded: json-manipulation-jsonata--parse-{0..6}.
#[test]
fn parse_as_recorded() {
    let run = |s: &str| {
        on_input(
            "$parse($states.input.FunctionInput)",
            json!({ "FunctionInput": s }),
        )
        .unwrap()
    };
    assert_eq!(run("-0").to_json_string(), "0");
    assert_eq!(run("1"), json!(1));
    assert_eq!(run("1.1"), json!(1.1));
    assert_eq!(run("true"), json!(true));
    assert_eq!(run("\"HelloWorld\""), json!("HelloWorld"));
    assert_eq!(run("[1, 2, \"HelloWorld\"]"), json!([1, 2, "HelloWorld"]));
    assert_eq!(
        run("{\"Arg1\": 1, \"Arg2\": []}").to_json_string(),
        r#"{"Arg1":1,"Arg2":[]}"#
    );
}

/// Recorded: math-operations-jsonata--math-random-seeded-0 (AWS has no `$randomSeeded`).
#[test]
fn calling_an_unknown_function_fails_with_t1006() {
    let template = Template::compile(
        &serde_json::json!({"FunctionResult": "{% $randomSeeded($states.input.FunctionInput.fst) %}"}),
        "Output",
    )
    .unwrap();
    let input = json!({"FunctionInput": "fst"});
    let context = json!({});
    assert_eq!(
        cause(template.evaluate(&Env::new(&input, &context))),
        "The JSONata expression '$randomSeeded($states.input.FunctionInput.fst)' specified for the field \
         'Output/FunctionResult' threw an error during evaluation. T1006: Attempted to invoke a non-function"
    );
}

#[test]
fn eval_is_not_available() {
    assert_eq!(
        cause(on_input("$eval('1 + 1')", json!({}))),
        "The JSONata expression '$eval('1 + 1')' specified for the field 'Output' threw an error during \
         evaluation. T1006: Attempted to invoke a non-function"
    );
}

/// Recorded: base-evaluate-expressions--merge-with-dynamic-args, output--base-output-any-non-dict-*.
#[test]
fn output_templates_as_recorded() {
    let input = json!({"part1": {"hello": "world"}, "part2": {"foo": "bar"}});
    assert_eq!(
        on_input("$merge([$states.input.part1, $states.input.part2])", input)
            .unwrap()
            .to_json_string(),
        r#"{"hello":"world","foo":"bar"}"#
    );
    let template = Template::compile(
        &serde_json::json!([null, 0, 0.1, true, "string", [], "$nosuchvar", "$.no.such.path",
            "{% $states.input %}", {"key": "{% true %}"}]),
        "Output",
    )
    .unwrap();
    let input = json!({"input_value": "stringliteral"});
    let context = json!({});
    assert_eq!(
        template.evaluate(&Env::new(&input, &context)).unwrap(),
        json!([null, 0, 0.1, true, "string", [], "$nosuchvar", "$.no.such.path",
            {"input_value": "stringliteral"}, {"key": true}])
    );
    for literal in [
        json!(true),
        json!(0.1),
        json!(0),
        json!([]),
        json!(null),
        json!("string literal"),
    ] {
        let t = Template::compile(&literal.to_json(), "Output").unwrap();
        assert_eq!(t.as_constant(), Some(&literal));
        assert_eq!(t.evaluate(&Env::new(&input, &context)).unwrap(), literal);
    }
}

/// Recorded: base-scenarios--escape-sequence-parsing-escape-sequences-jsonata-comparison-{assign,output}.
#[test]
fn escaped_quotes_compare_equal() {
    let quote = json!("\"");
    let context = json!({});
    let vars: crate::value::Map = [("var".into(), quote.clone())].into_iter().collect();
    let env = Env::new(&quote, &context).with_variables(&vars);
    assert_eq!(
        eval_field("$var = '\"'", &env, "Output").unwrap(),
        json!(true)
    );
    assert_eq!(
        eval_field("$states.input = '\"'", &env, "Output").unwrap(),
        json!(true)
    );
}

/// Recorded: base-scenarios--choice-* (JSONata conditions).
#[test]
fn choice_conditions_as_recorded() {
    let input = json!({"type": "Public", "value": 22});
    assert_eq!(
        on_input("$states.input.type = 'Public'", input).unwrap(),
        json!(true)
    );
    let input = json!({"result": {"done": false}});
    assert_eq!(
        on_input("$states.input.result.done", input.clone()).unwrap(),
        json!(false)
    );
    assert_eq!(
        on_input("$not($states.input.result.done)", input).unwrap(),
        json!(true)
    );
    let input = json!({"str_value": "string literal"});
    assert_eq!(
        on_input("$states.input.str_value = \"string literal\"", input).unwrap(),
        json!(true)
    );
}

/// Recorded: base-evaluate-expressions--base-map-{max-concurrency,tolerated-failure-*},
/// base-map-items(-double-quotes).
#[test]
fn small_expressions_as_recorded() {
    assert_eq!(on_input("$variable := 1", json!({})).unwrap(), json!(1));
    assert_eq!(on_input("$number(\"2\")", json!({})).unwrap(), json!(2));
    assert_eq!(on_input("$number('2')", json!({})).unwrap(), json!(2));
    let items =
        Template::compile(&serde_json::json!([1, "{% $number('2') %}", 3]), "Items").unwrap();
    let (input, context) = (json!({}), json!({}));
    assert_eq!(
        items
            .evaluate_as(&Env::new(&input, &context), "array")
            .unwrap(),
        json!([1, 2, 3])
    );
}

/// Recorded: base-scenarios--map-state-items-eval-jsonata-* and -variable-sampling-*.
#[test]
fn items_type_errors_as_recorded() {
    let (input, context) = (json!({}), json!({}));
    let env = Env::new(&input, &context);
    let items = |text: &str| Template::compile(&serde_json::json!(text), "Items").unwrap();
    assert_eq!(
        items("{% [] %}").evaluate_as(&env, "array").unwrap(),
        json!([])
    );
    assert_eq!(
        items("{% [0] %}").evaluate_as(&env, "array").unwrap(),
        json!([0])
    );
    assert_eq!(
        items("{% [1, 'two', 3] %}")
            .evaluate_as(&env, "array")
            .unwrap(),
        json!([1, "two", 3])
    );
    let expect = |text: &str, tail: &str| {
        let expr = strip_delimiters(text).unwrap();
        assert_eq!(
            cause(items(text).evaluate_as(&env, "array")),
            format!("The JSONata expression '{expr}' specified for the field 'Items' {tail}")
        );
    };
    let unexpected = "returned an unexpected result type. Expected 'array', but was";
    expect(
        "{% true %}",
        &format!("{unexpected} 'boolean' for value: true"),
    );
    expect(
        "{% null %}",
        &format!("{unexpected} 'null' for value: null"),
    );
    expect("{% 1 %}", &format!("{unexpected} 'number' for value: 1"));
    expect(
        "{% 'string' %}",
        &format!("{unexpected} 'string' for value: \"string\""),
    );
    expect(
        "{% {'foo': 'bar'} %}",
        &format!("{unexpected} 'object' for value: {{\"foo\":\"bar\"}}"),
    );
    expect(
        "{% $fn := function($x){$x} %}",
        "returned an unsupported result type.",
    );

    for (value, tail) in [
        (json!(true), "'boolean' for value: true"),
        (json!(null), "'null' for value: null"),
        (json!(1), "'number' for value: 1"),
        (json!("string"), "'string' for value: \"string\""),
        (
            json!({"foo": "bar"}),
            "'object' for value: {\"foo\":\"bar\"}",
        ),
    ] {
        let vars: crate::value::Map = [("ItemsVar".into(), value)].into_iter().collect();
        let env = env.with_variables(&vars);
        assert_eq!(
            cause(items("{% $ItemsVar %}").evaluate_as(&env, "array")),
            format!(
                "The JSONata expression '$ItemsVar' specified for the field 'Items' {unexpected} {tail}"
            )
        );
    }
}

/// Recorded: base-scenarios--map-state-items-input-array-*, output--base-output-any-non-dict-jsonata-expr,
/// mixed-query-language--*.
#[test]
fn input_arrays_and_objects_pass_through_shared() {
    let input = json!({"items": [0], "empty": [], "nested": [[1, 2]]});
    let context = json!({});
    let env = Env::new(&input, &context);
    let items = eval_field("$states.input.items", &env, "Output").unwrap();
    assert_eq!(items, json!([0]));
    match (&items, input.get("items").unwrap()) {
        (Value::Array(a), Value::Array(b)) => {
            assert!(std::sync::Arc::ptr_eq(a, b), "read without copying")
        }
        _ => unreachable!(),
    }
    assert_eq!(
        eval_field("$states.input.empty", &env, "Output").unwrap(),
        json!([])
    );
    assert_eq!(
        eval_field("$states.input.nested", &env, "Output").unwrap(),
        json!([[1, 2]])
    );
    assert_eq!(eval_field("$states.input", &env, "Output").unwrap(), input);
    let template = Template::compile(
        &serde_json::json!({"foo": "foobar", "bar": "{% $states.input %}"}),
        "Output",
    )
    .unwrap();
    let input = json!({"input_data": "test"});
    assert_eq!(
        template.evaluate(&Env::new(&input, &context)).unwrap(),
        json!({"foo": "foobar", "bar": {"input_data": "test"}})
    );
}

/// AWS: "Failure to return a result - JSON cannot represent an undefined value expression". The
/// field is named down to the member (an AWS cause: 'Arguments/Input/pushLocation').
#[test]
fn undefined_fails_naming_the_member() {
    let template = Template::compile(
        &serde_json::json!({"Input": {"pushLocation": "{% $states.input.pushLocation %}"}, "list": [1, "{% $nope %}"]}),
        "Arguments",
    )
    .unwrap();
    let input = json!({"pushLocation": "s3://x"});
    let context = json!({});
    assert_eq!(
        cause(template.evaluate(&Env::new(&json!({}), &context))),
        "The JSONata expression '$states.input.pushLocation' specified for the field \
         'Arguments/Input/pushLocation' returned nothing (undefined)."
    );
    assert_eq!(
        cause(template.evaluate(&Env::new(&input, &context))),
        "The JSONata expression '$nope' specified for the field 'Arguments/list[1]' returned nothing (undefined)."
    );
    let names: Vec<&str> = template
        .expressions()
        .into_iter()
        .map(|(field, _)| field)
        .collect();
    assert_eq!(names, ["Arguments/Input/pushLocation", "Arguments/list[1]"]);
}

#[test]
fn uncoded_errors_join_with_a_colon() {
    assert_eq!(
        cause(on_input("$range(0, 1e9, 1)", json!({}))),
        "The JSONata expression '$range(0, 1e9, 1)' specified for the field 'Output' threw an error during \
         evaluation: Expression evaluation memory limit exceeded"
    );
    assert_eq!(
        cause(on_input("$states.input.a + 1", json!({"a": "x"}))),
        "The JSONata expression '$states.input.a + 1' specified for the field 'Output' threw an error during \
         evaluation. T2001: The left side of the \"+\" operator must evaluate to a number"
    );
}

#[test]
fn states_members_and_variables_are_bound() {
    let input = json!({"n": 2});
    let context = json!({"Execution": {"Id": "arn:x"}, "State": {"Name": "S"}});
    let result = json!({"Payload": [1, 2, 3]});
    let error_output = json!({"Error": "E", "Cause": "c"});
    let vars: crate::value::Map = [
        ("factor".into(), json!(10)),
        ("names".into(), json!(["a", "b"])),
    ]
    .into_iter()
    .collect();
    let env = Env::new(&input, &context)
        .with_result(&result)
        .with_error_output(&error_output)
        .with_variables(&vars);
    let e = |text: &str| eval_field(text, &env, "Output").unwrap();
    assert_eq!(
        e("$sum($states.result.Payload) * $factor + $states.input.n"),
        json!(62)
    );
    assert_eq!(
        e("$states.context.Execution.Id & '/' & $states.errorOutput.Error"),
        json!("arn:x/E")
    );
    assert_eq!(
        e("$keys($states)"),
        json!(["input", "context", "result", "errorOutput"])
    );
    assert_eq!(e("$names[1]"), json!("b"));
    assert_eq!(e("$states.result.Payload[1]"), json!(2));
    assert_eq!(e("$count($names)"), json!(2));
    // A variable never assigned reads as undefined; `$sum` unassigned is still the function.
    assert!(
        Expression::compile("$unset")
            .unwrap()
            .evaluate(&env)
            .unwrap()
            .is_none()
    );
    assert_eq!(
        Expression::compile("$sum").unwrap().evaluate(&env),
        Err(EvalError::UnsupportedResult)
    );
    // No result outside a Task: `$states.result` is undefined.
    let env = Env::new(&input, &context);
    assert!(
        Expression::compile("$states.result")
            .unwrap()
            .evaluate(&env)
            .unwrap()
            .is_none()
    );
    assert!(
        Expression::compile("$states.result.x")
            .unwrap()
            .evaluate(&env)
            .unwrap()
            .is_none()
    );
}

#[test]
fn step_functions_functions_are_callable() {
    let (input, context) = (json!({"content": "abc", "seed": 42}), json!({}));
    let env = Env::new(&input, &context);
    let e = |text: &str| eval_field(text, &env, "Output").unwrap();
    assert_eq!(
        e("$partition([1, 2, 3, 4, 5, 6, 7, 8, 9], 3)"),
        json!([[1, 2, 3], [4, 5, 6], [7, 8, 9]])
    );
    assert_eq!(e("$range(0, 10, 2)"), json!([0, 2, 4, 6, 8, 10]));
    assert_eq!(
        e("$hash($states.input.content, 'MD5')"),
        json!("900150983cd24fb0d6963f7d28e17f72")
    );
    assert_eq!(e("$random($states.input.seed)"), json!(0.7275636800328681));
    let r = e("$random()").as_f64().unwrap();
    assert!((0.0..1.0).contains(&r));
    assert_eq!(e("$length($uuid())"), json!(36));
    assert_eq!(
        e("$count($map([1, 2], function($v){ $range(0, $v, 1) }))"),
        json!(2)
    );
}

#[test]
fn numbers_come_out_as_jsonata_prints_them() {
    let input = Value::from_json_str(r#"{"a": {"x": 1.0, "y": 2.50}, "b": 7}"#).unwrap();
    assert_eq!(
        on_input("$states.input.a", input.clone())
            .unwrap()
            .to_json_string(),
        r#"{"x":1,"y":2.5}"#
    );
    assert_eq!(
        on_input("$states.input.a.x + 0", input.clone())
            .unwrap()
            .to_json_string(),
        "1"
    );
    assert_eq!(
        on_input("$states.input.b", input).unwrap().to_json_string(),
        "7"
    );
}

#[test]
fn non_finite_numbers_are_strings() {
    assert_eq!(on_input("1/0", json!({})).unwrap(), json!("Infinity"));
}

#[test]
fn validation_helpers() {
    let e = Expression::compile("$states.input.a & phone").unwrap();
    assert_eq!(
        e.unsupported_reference().as_deref(),
        Some("Reference to 'phone' at the top level is not supported.")
    );
    let e = Expression::compile("$states.errorOutput.Cause").unwrap();
    assert!(e.reads_states_member("errorOutput"));
    assert!(!e.reads_states_member("result"));
    assert!(
        !Expression::compile("$keys($states)")
            .unwrap()
            .reads_states_member("result")
    );
    let e = Expression::compile("$states ~> $keys() & $states.result.x").unwrap();
    assert!(e.reads_states_member("result"));
}

#[test]
fn source_names_the_expression_or_the_template() {
    let template = Template::compile(&serde_json::json!({"a": "{% $v %}"}), "Output").unwrap();
    assert_eq!(template.source(), r#"{"a":"{% $v %}"}"#);
    let single = Template::compile(&serde_json::json!("{%  $v %}"), "Items").unwrap();
    assert_eq!(single.source(), "$v");
    assert_eq!(single.as_expression().unwrap().text(), "$v");
}

#[test]
fn expressions_are_send_and_sync() {
    fn check<T: Send + Sync>() {}
    check::<Expression>();
    check::<Template>();
}

/// The pruned copies an expression gets give the same answers as whole copies would, and the
/// direct read of a plain path the same answers as jsonata-core.
mod equivalence {
    use super::*;
    use proptest::prelude::*;

    fn arb_value() -> impl Strategy<Value = serde_json::Value> {
        let leaf = prop_oneof![
            Just(serde_json::Value::Null),
            any::<bool>().prop_map(serde_json::Value::from),
            (-5i64..5).prop_map(serde_json::Value::from),
            "[ab]{0,2}".prop_map(serde_json::Value::from),
        ];
        leaf.prop_recursive(4, 32, 4, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..4).prop_map(serde_json::Value::from),
                prop::collection::vec(("[abc]", inner), 0..4)
                    .prop_map(|kv| serde_json::Value::Object(kv.into_iter().collect())),
            ]
        })
    }

    const EXPRESSIONS: &[&str] = &[
        "$states.input",
        "$states.input.a",
        "$states.input.a.b",
        "$states.input.a.b.c",
        "$states.input.c.a",
        "$count($states.input.a.b)",
        "$string($states.input.a)",
        "$states.input.a[0].b",
        "$states.input.a.b[c = 1]",
        "$states.input.*.a",
        "$states.input.**.b",
        "$keys($states.input.a)",
        "$states.input.a.b.%",
        "[$states.input.a.b, $states.input.c]",
        "$v.a.b",
        "$v.a",
        "$v",
        "$sum($v.b[$type($) = 'number'])",
        "$states.input.a[]",
        "$states.input.a.b[0]",
        "$states.input.a.b[-1].c",
        "$states.input.a[b = 1].c",
        "$v[0]",
        "$v[]",
        "$v.a[c = 1].b",
        "$states.input.a.b = $states.input.c",
        "$states.input.a.b > $v.a",
        "{'x': $states.input.a, 'y': $v.c.a}",
        "$count($states.input.a[])",
        "$map($states.input.a, function($x){ $x.b })",
        "$states.input.a.b ? $states.input.c : $v",
    ];

    fn whole(reads: &Reads) -> Reads {
        let mut all = Reads::default();
        for (name, _) in &reads.variables {
            all.merge(&Reads {
                variables: [(name.clone(), convert::Need::Whole)].into_iter().collect(),
                ..Reads::default()
            });
        }
        all
    }

    proptest! {
        #[test]
        fn pruning_and_direct_reads_change_nothing(input in arb_value(), v in arb_value()) {
            let input = Value::from(input);
            let context = json!({});
            let vars: crate::value::Map = [("v".into(), Value::from(v))].into_iter().collect();
            let env = Env::new(&input, &context).with_variables(&vars);
            for text in EXPRESSIONS {
                let expr = Expression::compile(text).unwrap();
                let fast = expr.evaluate(&env);
                let bindings = bind(&whole(&expr.reads), &env);
                let slow = run(&expr.ast, &expr.reads, &bindings)
                    .map_err(|e| EvalError::Threw(messages::normalize(e.message())))
                    .and_then(|v| convert::from_jvalue(&v).map_err(|_| EvalError::UnsupportedResult));
                prop_assert_eq!(fast, slow, "{}", text);
            }
        }
    }
}

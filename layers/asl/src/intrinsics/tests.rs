//! Table tests for the intrinsic functions (literal arguments only; see `path_tests` for path arguments).
//! Expectations come from AWS: the recorded conformance cases, LocalStack's AWS snapshots and a public
//! conformance suite run against AWS; each group names its source.

use proptest::prelude::*;

use super::*;
use crate::json;
use crate::testing::TestScope;

fn run(text: &str) -> Result<Value, StatesError> {
    Intrinsic::parse(text)
        .unwrap_or_else(|e| panic!("{e}"))
        .eval(&TestScope::with_input(json!({"other": 1})))
}

/// The call evaluates to `expected`, integers and floats told apart.
fn ok(text: &str, expected: Value) {
    match run(text) {
        Ok(v) => assert_eq!(v.to_json_string(), expected.to_json_string(), "{text}"),
        Err(e) => panic!("{text}: {e}"),
    }
}

/// The call fails as AWS does when `func` rejects its arguments.
fn invalid(text: &str, func: &str) {
    let err = run(text).expect_err(text);
    assert_eq!(err.error, "States.Runtime", "{text}");
    assert_eq!(
        err.cause.as_deref(),
        Some(
            format!("The function '{text}' had the following error: Invalid arguments in {func}")
                .as_str()
        ),
        "{text}"
    );
}

fn parse_error(text: &str, reason: &str) {
    let err = Intrinsic::parse(text).expect_err(text);
    assert_eq!(err.text, text);
    assert_eq!(err.reason, reason, "{text}");
}

#[test]
fn format_matches_recorded_aws_outputs() {
    // generic--format-1-{0..6}: States.Format('Formatting argument {}.', $.FunctionInput).
    ok(
        "States.Format('Formatting argument {}.', '')",
        json!("Formatting argument ."),
    );
    ok(
        "States.Format('Formatting argument {}.', ' ')",
        json!("Formatting argument  ."),
    );
    ok(
        "States.Format('Formatting argument {}.', 'HelloWorld')",
        json!("Formatting argument HelloWorld."),
    );
    ok(
        "States.Format('Formatting argument {}.', null)",
        json!("Formatting argument null."),
    );
    ok(
        "States.Format('Formatting argument {}.', 1)",
        json!("Formatting argument 1."),
    );
    ok(
        "States.Format('Formatting argument {}.', 1.1)",
        json!("Formatting argument 1.1."),
    );
    ok(
        r#"States.Format('Formatting argument {}.', '\{"Arg1": 1, "Arg2": []\}')"#,
        json!(r#"Formatting argument {"Arg1": 1, "Arg2": []}."#),
    );
    // LocalStack test_format_2 (AWS snapshot): objects render in Java's map notation.
    ok(
        r#"States.Format('Formatting arguments fst={} and snd={}.', States.StringToJson('\{"Arg1": 1, "Arg2": []\}'), States.StringToJson('\{"Arg1": 1, "Arg2": []\}'))"#,
        json!("Formatting arguments fst={Arg1=1, Arg2=[]} and snd={Arg1=1, Arg2=[]}."),
    );
    // base--state-fail-intrinsic: the CausePath call.
    ok(
        "States.Format('This is a custom error message for {}, caused by {}.', 'error string', 'cause string')",
        json!("This is a custom error message for error string, caused by cause string."),
    );
}

#[test]
fn format_templates_escapes_and_nesting() {
    ok("States.Format('no placeholders')", json!("no placeholders"));
    ok("States.Format('  {}  ', 'x')", json!("  x  "));
    ok(
        r#"States.Format('Name: \'{}\', Surname: "{}"', 'Gabriel', 'Moreira')"#,
        json!(r#"Name: 'Gabriel', Surname: "Moreira""#),
    );
    ok(r"States.Format('\{\} {} \\', 1)", json!(r"{} 1 \"));
    ok("States.Format('{} {} {}', 'x', 2, true)", json!("x 2 true"));
    ok(
        r#"States.Format('arn:{}:{}', 'lambda', States.JsonToString(States.StringToJson('\{"k":1\}')))"#,
        json!(r#"arn:lambda:{"k":1}"#),
    );
    // A template produced at run time is split then, with the same escapes.
    ok(
        r"States.Format(States.Format('\{\}{}', 'x'), 'y')",
        json!("yx"),
    );
    ok(
        "States.Format('{}', States.Array(1, 'a', null))",
        json!("[1, a, null]"),
    );
}

#[test]
fn format_rejects_mismatched_or_malformed_templates() {
    invalid("States.Format('{} {}', 'x')", "States.Format");
    invalid("States.Format('{}', 'x', 'y')", "States.Format");
    invalid("States.Format('Hello {', 'x')", "States.Format");
    invalid("States.Format('Hello {{}}', 'x')", "States.Format");
    invalid("States.Format('}')", "States.Format");
    invalid("States.Format(123)", "States.Format");
    invalid("States.Format(States.Format('\\{'))", "States.Format");
}

#[test]
fn string_to_json_matches_recorded_aws_outputs() {
    // json-manipulation--string-to-json-{0..9}.
    ok("States.StringToJson('')", json!(null));
    ok("States.StringToJson(' ')", json!(null));
    ok("States.StringToJson('null')", json!(null));
    ok("States.StringToJson('1')", json!(1));
    ok("States.StringToJson('1.1')", json!(1.1));
    ok("States.StringToJson('true')", json!(true));
    ok(
        r#"States.StringToJson('"HelloWorld"')"#,
        json!("HelloWorld"),
    );
    ok(
        r#"States.StringToJson('[1, 2, "HelloWorld"]')"#,
        json!([1, 2, "HelloWorld"]),
    );
    ok(
        r#"States.StringToJson('\{"Arg1": 1, "Arg2": []\}')"#,
        json!({"Arg1": 1, "Arg2": []}),
    );
    assert_eq!(run("States.StringToJson('-0')").unwrap(), json!(0));
    invalid(r"States.StringToJson('\{')", "States.StringToJson");
    invalid("States.StringToJson(1)", "States.StringToJson");
    invalid("States.StringToJson(null)", "States.StringToJson");
}

#[test]
fn json_to_string_writes_compact_json() {
    ok(
        r#"States.JsonToString(States.StringToJson('\{"a": [1, 2], "b": null\}'))"#,
        json!(r#"{"a":[1,2],"b":null}"#),
    );
    ok("States.JsonToString('x')", json!("\"x\""));
    ok(
        "States.JsonToString(States.Array(null, '', ' ', 0, 1, true, false, States.Array(0, 1, false)))",
        json!(r#"[null,""," ",0,1,true,false,[0,1,false]]"#),
    );
}

#[test]
fn json_merge_is_shallow() {
    // json-manipulation--json-merge-0.
    ok(
        r#"States.JsonMerge(States.StringToJson('\{"a": \{"a1": 1, "a2": 2\}, "b": 2, "d": 3\}'), States.StringToJson('\{"a": \{"a3": 1, "a4": 2\}, "c": 3, "d": 4\}'), false)"#,
        json!({"a": {"a3": 1, "a4": 2}, "b": 2, "d": 4, "c": 3}),
    );
    ok(
        r#"States.JsonMerge(States.StringToJson('\{\}'), States.StringToJson('\{"x": 1\}'), false)"#,
        json!({"x": 1}),
    );
    ok(
        r#"States.JsonMerge(States.StringToJson('\{"x": 1\}'), States.StringToJson('\{\}'), false)"#,
        json!({"x": 1}),
    );
    // AWS takes a non-boolean third argument as shallow.
    ok(
        r#"States.JsonMerge(States.StringToJson('\{\}'), States.StringToJson('\{\}'), 'false')"#,
        json!({}),
    );
    invalid(
        r#"States.JsonMerge(States.StringToJson('\{\}'), States.StringToJson('\{\}'), true)"#,
        "States.JsonMerge",
    );
    invalid(
        r#"States.JsonMerge(null, States.StringToJson('\{\}'), false)"#,
        "States.JsonMerge",
    );
    invalid(
        r#"States.JsonMerge(States.StringToJson('\{\}'), States.Array(), false)"#,
        "States.JsonMerge",
    );
    invalid(
        r#"States.JsonMerge(States.StringToJson('\{\}'), 'x', false)"#,
        "States.JsonMerge",
    );
}

#[test]
fn array_collects_its_arguments() {
    // array--array-0-0.
    ok("States.Array()", json!([]));
    ok(
        "States.Array('', ' ', 'HelloWorld', null, 1, 1.1)",
        json!(["", " ", "HelloWorld", null, 1, 1.1]),
    );
    ok(
        "States.Array(States.Array(1), true, false, -2.5e3)",
        json!([[1], true, false, -2500.0]),
    );
}

#[test]
fn array_partition_matches_recorded_aws_outputs() {
    // array--array-partition-*: every array of 0..4 items chunked by 1..5.
    ok("States.ArrayPartition(States.Array(), 1)", json!([]));
    ok("States.ArrayPartition(States.Array(0), 3)", json!([[0]]));
    ok(
        "States.ArrayPartition(States.Array(0, 1), 1)",
        json!([[0], [1]]),
    );
    ok(
        "States.ArrayPartition(States.Array(0, 1, 2), 2)",
        json!([[0, 1], [2]]),
    );
    ok(
        "States.ArrayPartition(States.Array(0, 1, 2, 3), 3)",
        json!([[0, 1, 2], [3]]),
    );
    ok(
        "States.ArrayPartition(States.Array(0, 1, 2, 3), 5)",
        json!([[0, 1, 2, 3]]),
    );
    ok(
        "States.ArrayPartition(States.Array(1, 2, 3), 2147483647)",
        json!([[1, 2, 3]]),
    );
    // A fractional chunk size loses its fraction (2.6 chunks by 2 on AWS).
    ok(
        "States.ArrayPartition(States.Array(1, 2, 3, 4, 5), 2.6)",
        json!([[1, 2], [3, 4], [5]]),
    );
    for bad in ["0", "-1", "0.49", "-0.6", "0.6", "'2'", "null"] {
        invalid(
            &format!("States.ArrayPartition(States.Array(1, 2, 3), {bad})"),
            "States.ArrayPartition",
        );
    }
    invalid(
        "States.ArrayPartition('not-array', 2)",
        "States.ArrayPartition",
    );
}

#[test]
fn array_contains_compares_deeply() {
    ok("States.ArrayContains(States.Array(), null)", json!(false));
    ok("States.ArrayContains(States.Array(), 1)", json!(false));
    ok(
        "States.ArrayContains(States.Array(1, 2, 3), 2)",
        json!(true),
    );
    ok(
        "States.ArrayContains(States.Array(States.Array(1, 2, 3), 2), States.Array(1, 2, 3))",
        json!(true),
    );
    ok(
        r#"States.ArrayContains(States.Array(States.StringToJson('\{"1": 2, "2": []\}')), States.StringToJson('\{"2": [], "1": 2\}'))"#,
        json!(true),
    );
    ok(
        "States.ArrayContains(States.Array(true, false), false)",
        json!(true),
    );
    ok("States.ArrayContains(States.Array('1'), 1)", json!(false));
    invalid("States.ArrayContains('abc', 'a')", "States.ArrayContains");
}

#[test]
fn array_range_follows_aws() {
    // LocalStack test_array_range inputs; the rest from a conformance suite run against AWS.
    ok("States.ArrayRange(0, 9, 3)", json!([0, 3, 6, 9]));
    ok("States.ArrayRange(0, 10, 3)", json!([0, 3, 6, 9]));
    ok("States.ArrayRange(1, 9, 9)", json!([1]));
    ok("States.ArrayRange(1, 9, 2)", json!([1, 3, 5, 7, 9]));
    ok("States.ArrayRange(-2, 2, 2)", json!([-2, 0, 2]));
    ok("States.ArrayRange(3, 3, -1)", json!([3]));
    ok("States.ArrayRange(5, 1, -2)", json!([5, 3, 1]));
    ok("States.ArrayRange(5, 1, 1)", json!([]));
    ok("States.ArrayRange(1, 5, -1)", json!([]));
    ok("States.ArrayRange(1.4, 5.6, 2.2)", json!([1, 3, 5]));
    ok("States.ArrayRange(1.6, 1.4, 1)", json!([1]));
    ok("States.ArrayRange(5.4, -0.6, -2.4)", json!([5, 3, 1]));
    ok(
        "States.ArrayRange(States.MathAdd(0, 1), States.MathAdd(0, 5), 2)",
        json!([1, 3, 5]),
    );
    assert_eq!(
        run("States.ArrayRange(1, 1000, 1)")
            .unwrap()
            .as_array()
            .unwrap()
            .len(),
        1000
    );
    assert_eq!(
        run("States.ArrayRange(1000, 1, -1)")
            .unwrap()
            .as_array()
            .unwrap()[999],
        json!(1)
    );
    for bad in [
        "1, 1001, 1",
        "1001, 1, -1",
        "1, 10, 0",
        "1, 10, 0.49",
        "'a', 5, 1",
        "1, 'b', 1",
        "1, 5, 'c'",
    ] {
        invalid(&format!("States.ArrayRange({bad})"), "States.ArrayRange");
    }
}

#[test]
fn array_get_item_follows_aws() {
    // LocalStack test_array_get_item: [1..9] at 5 is 6 (AWS snapshot).
    ok(
        "States.ArrayGetItem(States.Array(1, 2, 3, 4, 5, 6, 7, 8, 9), 5)",
        json!(6),
    );
    ok(
        "States.ArrayGetItem(States.Array('a', 'b', 'c'), 0)",
        json!("a"),
    );
    ok("States.ArrayGetItem(States.Array(null), 0)", json!(null));
    // AWS truncates a fractional index, and answers null for any index into an empty array.
    ok(
        "States.ArrayGetItem(States.Array(10, 20, 30), 1.2)",
        json!(20),
    );
    ok("States.ArrayGetItem(States.Array(), 999)", json!(null));
    for bad in [
        "States.Array(10, 20, 30), 3",
        "States.Array(10, 20, 30), -1",
        "States.Array(10, 20, 30), '1'",
        "'not-array', 0",
    ] {
        invalid(
            &format!("States.ArrayGetItem({bad})"),
            "States.ArrayGetItem",
        );
    }
}

#[test]
fn array_length_and_unique() {
    ok(
        "States.ArrayLength(States.Array(1, 2, 3, 4, 5, 6, 7, 8, 9))",
        json!(9),
    );
    ok("States.ArrayLength(States.Array())", json!(0));
    invalid("States.ArrayLength('abc')", "States.ArrayLength");
    // The AWS guide's example, then LocalStack's test_array_unique input.
    ok(
        "States.ArrayUnique(States.Array(1, 2, 3, 3, 3, 3, 3, 3, 4))",
        json!([1, 2, 3, 4]),
    );
    ok(
        r#"States.ArrayUnique(States.Array(null, null, true, true, false, false, 1, 1, 1.1, 0, -0, 'HelloWorld', 'HelloWorld', States.Array(), States.Array(), States.Array(null), States.Array(null), States.StringToJson('\{"a": 1, "b": 2\}'), States.StringToJson('\{"b": 2, "a": 1\}'), States.StringToJson('\{"a": 1, "b": 1\}')))"#,
        json!([null, true, false, 1, 1.1, 0, "HelloWorld", [], [null], {"a": 1, "b": 2}, {"a": 1, "b": 1}]),
    );
    ok(
        "States.ArrayUnique(States.Array(1, 1.0, 2.0, 2))",
        json!([1, 2.0]),
    );
    invalid("States.ArrayUnique(null)", "States.ArrayUnique");
}

#[test]
fn base64_matches_aws() {
    // encode-decode--base-64-encode-{0,1}.
    ok("States.Base64Encode('')", json!(""));
    ok(
        "States.Base64Encode('Data to encode')",
        json!("RGF0YSB0byBlbmNvZGU="),
    );
    ok("States.Base64Encode('✓')", json!("4pyT"));
    ok(
        "States.Base64Decode('RGF0YSB0byBlbmNvZGU=')",
        json!("Data to encode"),
    );
    ok("States.Base64Decode('')", json!(""));
    ok(
        "States.Base64Decode('44GT44KT44Gr44Gh44Gv')",
        json!("こんにちは"),
    );
    ok("States.Base64Decode('IA==')", json!(" "));
    ok("States.Base64Decode('YWJjAGRlZg==')", json!("abc\u{0}def"));
    ok(
        "States.Base64Decode(States.Base64Encode('hello'))",
        json!("hello"),
    );
    // AWS decodes leniently: spaces, missing padding and foreign characters are skipped.
    ok("States.Base64Decode(' YWJjZA== ')", json!("abcd"));
    ok("States.Base64Decode('YWJjZA')", json!("abcd"));
    invalid("States.Base64Encode(1)", "States.Base64Encode");
    invalid("States.Base64Decode(123)", "States.Base64Decode");
    // "a data string of up to 10,000 characters"
    let a = "a".repeat(10_000);
    assert!(run(&format!("States.Base64Encode('{a}')")).is_ok());
    invalid(
        &format!("States.Base64Encode('{a}a')"),
        "States.Base64Encode",
    );
    invalid(
        &format!("States.Base64Decode('{}')", "A".repeat(10_001)),
        "States.Base64Decode",
    );
}

#[test]
fn hash_matches_aws() {
    // Digests from a conformance suite run against AWS.
    ok(
        "States.Hash('hello', 'MD5')",
        json!("5d41402abc4b2a76b9719d911017c592"),
    );
    ok(
        "States.Hash('hello', 'SHA-1')",
        json!("aaf4c61ddcc5e8a2dabede0f3b482cd9aea9434d"),
    );
    ok(
        "States.Hash('hello', 'SHA-256')",
        json!("2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"),
    );
    ok(
        "States.Hash('hello', 'SHA-384')",
        json!(
            "59e1748777448c69de6b800d7a33bbfb9ff1b463e44354c3553bcdb9c666fa90125a3c79f90397bdf5f6a13de828684f"
        ),
    );
    ok(
        "States.Hash('hello', 'SHA-512')",
        json!(
            "9b71d224bd62f3785d96d46ad3ea3d73319bfbc2890caadae2dff72519673ca72323c3d99ba5c11d7c7acc6e14b8c5da0c4663475c2e5c3adef46f73bcdec043"
        ),
    );
    ok(
        "States.Hash('', 'SHA-256')",
        json!("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
    );
    ok(
        "States.Hash('✓', 'SHA-256')",
        json!("1dabba21cdad44541f6b15796f8d22978fc7ea10c46aeceeeeb66c23b3ac7604"),
    );
    ok(
        "States.Hash('🚀', 'SHA-256')",
        json!("ebbc0b2870eb323f2b6cffa5c493ceef81ae7eb36afc73d4e0367301631daec5"),
    );
    ok(
        "States.Hash('Data to encode', 'MD5')",
        json!("ca405671828a177e26947171bbe1e352"),
    );
    ok(
        "States.Hash(States.Format('{}:{}', 'x', 'y'), 'SHA-256')",
        json!("1274e286686b54fe765ec40735665b4bf789cee2a5b22124c5e0491a88e15271"),
    );
    // AWS hashes a number rather than failing; here its JSON text "123".
    ok(
        "States.Hash(123, 'SHA-256')",
        json!("a665a45920422f9d417e4867efdc4fb8a04a1f3fff1fa07e998e86f7f7a27ae3"),
    );
    for bad in [
        "123",
        "'UNSUPPORTED'",
        "'sha-256'",
        "'SHA256'",
        "''",
        "'MD-5'",
        "'SHA-257'",
        "null",
    ] {
        invalid(&format!("States.Hash('data', {bad})"), "States.Hash");
    }
    assert!(run(&format!("States.Hash('{}', 'MD5')", "a".repeat(10_000))).is_ok());
    invalid(
        &format!("States.Hash('{}', 'MD5')", "a".repeat(10_001)),
        "States.Hash",
    );
}

#[test]
fn math_add_rounds_and_stays_in_int32() {
    // LocalStack test_math_add (AWS snapshot), then a conformance suite run against AWS.
    ok("States.MathAdd(-9, 3)", json!(-6));
    ok("States.MathAdd(1.49, 1.5)", json!(3));
    ok("States.MathAdd(1.5, 1.51)", json!(4));
    ok("States.MathAdd(-1.49, -1.5)", json!(-2));
    ok("States.MathAdd(1.6, 2.7)", json!(5));
    ok("States.MathAdd(0.1, 0.2)", json!(0));
    ok("States.MathAdd(3, -1)", json!(2));
    ok("States.MathAdd(2147483647, 0)", json!(2147483647));
    ok("States.MathAdd(-2147483648, 0)", json!(-2147483648));
    ok("States.MathAdd(2147483646, 1)", json!(2147483647));
    ok("States.MathAdd(-2147483647, -1)", json!(-2147483648));
    ok("States.MathAdd(States.MathAdd(5, 1), 2)", json!(8));
    for bad in [
        "2147483647, 1",
        "-2147483648, -1",
        "3000000000, 1",
        "-3000000000, 1",
        "'a', 1",
        "1, 'b'",
        "null, 1",
        "true, 1",
        "'1.5', 2",
        "-1, States.Array(1)",
    ] {
        invalid(&format!("States.MathAdd({bad})"), "States.MathAdd");
    }
}

#[test]
fn math_random_draws_from_start_inclusive_to_end_exclusive() {
    for _ in 0..200 {
        let v = run("States.MathRandom(1, 5)").unwrap().as_i64().unwrap();
        assert!((1..5).contains(&v), "{v}");
        let v = run("States.MathRandom(1.6, 5.4)")
            .unwrap()
            .as_i64()
            .unwrap();
        assert!((1..5).contains(&v), "{v}");
    }
    ok("States.MathRandom(1, 2)", json!(1));
    ok("States.MathRandom(-3, -2)", json!(-3));
    // A seed makes the draw repeatable.
    // With a seed, java.util.Random: 1 + new Random(42).nextInt(99) is 63 on OpenJDK.
    ok("States.MathRandom(1, 100, 42)", json!(63));
    ok("States.MathRandom(1, 100, 42.9)", json!(63));
    let big = run("States.MathRandom(-1000000, 1000000, 7)")
        .unwrap()
        .as_i64()
        .unwrap();
    assert!((-1_000_000..1_000_000).contains(&big));
    for bad in [
        "1, 1",
        "10, 5",
        "1.49, 1.49",
        "1.4, 1.6",
        "'a', 10",
        "1, 'b'",
        "1, 10, 'seed'",
        "1, 10, null",
    ] {
        invalid(&format!("States.MathRandom({bad})"), "States.MathRandom");
    }
}

#[test]
fn string_split_uses_a_delimiter_set_and_drops_empty_pieces() {
    ok(
        "States.StringSplit('1,2,3,4,5', ',')",
        json!(["1", "2", "3", "4", "5"]),
    );
    // LocalStack test_string_split (AWS snapshot) and the Step Functions docs example.
    ok(
        "States.StringSplit('This.is+a,test=string', '.+,=')",
        json!(["This", "is", "a", "test", "string"]),
    );
    // LocalStack test_escape_sequence (AWS snapshot): a real newline in the literal.
    ok(
        "States.StringSplit('Hello\nWorld', '\n')",
        json!(["Hello", "World"]),
    );
    ok("States.StringSplit('a,,b', ',')", json!(["a", "b"]));
    ok("States.StringSplit(',a,b,', ',')", json!(["a", "b"]));
    ok("States.StringSplit('', ',')", json!([]));
    ok(
        "States.StringSplit('1a2b3ab4', 'ab')",
        json!(["1", "2", "3", "4"]),
    );
    ok(
        "States.StringSplit(States.Format('{}-{}', 'x', 'y'), '-')",
        json!(["x", "y"]),
    );
    for bad in [
        "123, ','",
        "'a,b', 1",
        "null, ','",
        "'a,b', null",
        "false, ','",
        "'a,b', States.Array(',')",
    ] {
        invalid(&format!("States.StringSplit({bad})"), "States.StringSplit");
    }
}

#[test]
fn uuid_is_a_random_v4() {
    let a = run("States.UUID()").unwrap();
    let b = run("States.UUID()").unwrap();
    let s = a.as_str().unwrap();
    assert_ne!(a, b);
    assert_eq!(s.len(), 36);
    assert_eq!(&s[14..15], "4");
    assert!(matches!(&s[19..20], "8" | "9" | "a" | "b"));
    assert!(
        s.chars()
            .all(|c| c == '-' || c.is_ascii_hexdigit() && !c.is_ascii_uppercase())
    );
}

#[test]
fn nested_calls_compose() {
    // LocalStack nested_calls_2 (AWS snapshot), with a literal standing in for $$.StateMachine.Name.
    ok(
        "States.ArrayGetItem(States.StringSplit('my-state-machine', '-'), States.MathAdd(States.ArrayLength(States.StringSplit('my-state-machine', '-')), -1))",
        json!("machine"),
    );
    // The AWS guide's nine-function example, on a literal ARN.
    ok(
        "States.Format('{}.{}.{}', States.ArrayGetItem(States.StringSplit(States.ArrayGetItem(States.StringSplit('arn:aws:imagebuilder:us-east-1:123456789012:image-recipe/x/1.2.3', '/'), 2), '.'), 0), States.ArrayGetItem(States.StringSplit(States.ArrayGetItem(States.StringSplit('arn:aws:imagebuilder:us-east-1:123456789012:image-recipe/x/1.2.3', '/'), 2), '.'), 1), 'z')",
        json!("1.2.z"),
    );
    // The whole call is named when a nested call fails.
    invalid("States.Array(States.MathAdd('a', 1))", "States.MathAdd");
}

#[test]
fn parse_errors_say_what_and_where() {
    parse_error(
        "States.Foo()",
        "unknown intrinsic function 'States.Foo' at character 0",
    );
    parse_error(
        "$.a",
        "expected an intrinsic function call starting with 'States.' at character 0",
    );
    parse_error(
        "States.Array (1)",
        "expected '(' after States.Array at character 12",
    );
    parse_error(
        "States.MathAdd(1)",
        "States.MathAdd takes 2 arguments but was given 1 at character 0",
    );
    parse_error(
        "States.Array(States.UUID(1))",
        "States.UUID takes 0 arguments but was given 1 at character 13",
    );
    parse_error(
        "States.Format()",
        "States.Format takes at least 1 argument but was given 0 at character 0",
    );
    parse_error(
        "States.StringToJson()",
        "States.StringToJson takes 1 argument but was given 0 at character 0",
    );
    parse_error(
        "States.MathRandom(1, 2, 3, 4)",
        "States.MathRandom takes 2 to 3 arguments but was given 4 at character 0",
    );
    parse_error(
        "States.Format('abc)",
        "unterminated string literal at character 14",
    );
    parse_error(
        r"States.Format('a\nb')",
        r"invalid escape '\n' in a string literal (only \' \{ \} and \\ are allowed) at character 16",
    );
    parse_error(
        r"States.Format('a\",
        r"unterminated string literal at character 14",
    );
    parse_error("States.Array(1,)", "missing argument at character 15");
    parse_error("States.Array(, 1)", "missing argument at character 13");
    parse_error(
        "States.Array(1 2)",
        "expected ',' or ')' but found '2' at character 15",
    );
    parse_error(
        "States.Array(1",
        "missing ')' to close States.Array at character 14",
    );
    parse_error(
        "States.Array(1) x",
        "unexpected 'x' after the closing ')' at character 16",
    );
    parse_error("States.Array(1.)", "invalid number '1.' at character 13");
    parse_error("States.Array(-)", "invalid number '-' at character 13");
    parse_error("States.Array(01)", "invalid number '01' at character 13");
    parse_error(
        "States.Array(truex)",
        "unexpected 't' (an argument is a 'string', a number, true, false, null, a path or an intrinsic call) at character 13",
    );
    parse_error(
        "States.Array('é', é)",
        "unexpected 'é' (an argument is a 'string', a number, true, false, null, a path or an intrinsic call) at character 18",
    );
}

#[test]
fn whitespace_around_arguments_is_allowed_and_the_text_kept() {
    let text = "  States.Array( 1 ,\t'a' ,States.Array( ) )  ";
    let call = Intrinsic::parse(text).unwrap();
    assert_eq!(call.text(), text);
    assert_eq!(call.function_name(), "States.Array");
    assert_eq!(
        call.eval(&TestScope::default()).unwrap(),
        json!([1, "a", []])
    );
    assert!(Intrinsic::looks_like_call(text));
    assert!(!Intrinsic::looks_like_call("$.States.Array"));
}

/// A literal argument and the value it stands for.
fn literal() -> impl Strategy<Value = (String, Value)> {
    prop_oneof![
        any::<String>().prop_map(|s| (quote(&s), Value::string(s))),
        any::<i64>().prop_map(|i| (i.to_string(), Value::int(i))),
        (-1e12f64..1e12).prop_map(|f| {
            let v = Value::float(f);
            (v.to_json_string(), v)
        }),
        any::<bool>().prop_map(|b| (b.to_string(), Value::Bool(b))),
        Just(("null".to_owned(), Value::Null)),
    ]
}

/// An argument: a literal or a nested `States.Array` call, with the value it evaluates to.
fn argument() -> impl Strategy<Value = (String, Value)> {
    literal().prop_recursive(4, 24, 4, |inner| {
        (prop::collection::vec(inner, 0..4), " *", " *").prop_map(|(args, a, b)| {
            let text = args
                .iter()
                .map(|(t, _)| format!("{a}{t}{b}"))
                .collect::<Vec<_>>()
                .join(",");
            (
                format!("States.Array({text})"),
                Value::from_vec(args.into_iter().map(|(_, v)| v).collect()),
            )
        })
    })
}

proptest! {
    #[test]
    fn a_random_valid_call_parses_and_evaluates(args in prop::collection::vec(argument(), 0..5), ws in "[ \t\n]{0,2}") {
        let text = format!("States.Array({ws}{}{ws})", args.iter().map(|(t, _)| t.as_str()).collect::<Vec<_>>().join(&format!("{ws},{ws}")));
        let call = Intrinsic::parse(&text).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let value = call.eval(&TestScope::default()).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(value, Value::from_vec(args.into_iter().map(|(_, v)| v).collect()));
    }

    #[test]
    fn every_function_parses_with_its_arity(func in prop::sample::select(Func::ALL.to_vec()), extra in 0usize..3, args in prop::collection::vec(literal(), 4)) {
        let (min, max) = func.arity();
        let n = max.map_or(min + extra, |max| (min + extra).min(max));
        let list = args[..n].iter().map(|(t, _)| t.as_str()).collect::<Vec<_>>().join(", ");
        let text = format!("{}({list})", func.name());
        prop_assert!(Intrinsic::parse(&text).is_ok(), "{}", text);
        if max.is_some_and(|max| n + 1 > max) {
            let text = format!("{}({}{}{})", func.name(), list, if n > 0 { ", " } else { "" }, args[n].0);
            prop_assert!(Intrinsic::parse(&text).is_err(), "{}", text);
        }
    }

    #[test]
    fn a_quoted_string_round_trips(s in any::<String>()) {
        let quoted = quote(&s);
        prop_assert_eq!(parser::unescape(&quoted[1..quoted.len() - 1]).unwrap(), s.clone());
        let call = Intrinsic::parse(&format!("States.Format({quoted})"));
        // A template with no braces renders as itself.
        if !s.contains(['{', '}']) {
            prop_assert_eq!(call.unwrap().eval(&TestScope::default()).unwrap(), Value::string(s));
        }
    }
}

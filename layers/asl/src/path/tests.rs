//! Tests of the path module: syntax, normalized form, selection, filters, functions, `ResultPath`.

use std::sync::Arc;

use proptest::prelude::*;

use super::*;
use crate::json;

fn p(text: &str) -> Path {
    Path::parse(text).unwrap_or_else(|e| panic!("{e}"))
}

fn sel(path: &str, doc: &Value) -> Option<Value> {
    p(path).select(doc)
}

/// Jayway's README document.
fn store() -> Value {
    json!({
        "store": {
            "book": [
                {"category": "reference", "author": "Nigel Rees", "title": "Sayings of the Century", "price": 8.95},
                {"category": "fiction", "author": "Evelyn Waugh", "title": "Sword of Honour", "price": 12.99},
                {"category": "fiction", "author": "Herman Melville", "title": "Moby Dick", "isbn": "0-553-21311-3", "price": 8.99},
                {"category": "fiction", "author": "J. R. R. Tolkien", "title": "The Lord of the Rings", "isbn": "0-395-19395-8", "price": 22.99}
            ],
            "bicycle": {"color": "red", "price": 19.95}
        },
        "expensive": 10
    })
}

/// Security Hub findings, the shape SOAR playbooks filter.
fn findings() -> Value {
    json!({
        "threshold": 50,
        "findings": [
            {"Id": "f1", "Severity": {"Label": "HIGH", "Normalized": 70}, "Workflow": {"Status": "NEW"},
             "Resources": [{"Type": "AwsS3Bucket", "Id": "arn:aws:s3:::b"}], "Types": ["TTPs", "Effects"]},
            {"Id": "f2", "Severity": {"Label": "LOW", "Normalized": 10}, "Workflow": {"Status": "RESOLVED"},
             "Resources": [], "Types": ["Software and Configuration Checks"]},
            {"Id": "f3", "Severity": {"Label": "CRITICAL", "Normalized": 90}, "RecordState": "ARCHIVED",
             "Note": null, "Types": []}
        ]
    })
}

fn ids(v: Option<Value>) -> Vec<String> {
    v.expect("an indefinite path always selects")
        .as_array()
        .expect("an array")
        .iter()
        .map(|v| v.as_str().expect("an Id").to_string())
        .collect()
}

#[test]
fn roots() {
    assert_eq!(p("$").root(), &Root::Input);
    assert_eq!(p("$.a").root(), &Root::Input);
    assert_eq!(p("$[0]").root(), &Root::Input);
    assert_eq!(p("$$").root(), &Root::Context);
    assert_eq!(p("$$.Execution.Id").root(), &Root::Context);
    assert_eq!(p("$$['Map']").root(), &Root::Context);
    assert_eq!(p("$var").root(), &Root::Variable("var".into()));
    assert_eq!(
        p("$constant_obj.in_obj_constant_lst").root(),
        &Root::Variable("constant_obj".into())
    );
    assert_eq!(p("$x1[0]").root(), &Root::Variable("x1".into()));
    assert_eq!(p("$var.a").text(), "$var.a");
    // A variable's value is what the path walks.
    let v = json!({"in_obj_constant_lst": [1, 2]});
    assert_eq!(
        p("$constant_obj.in_obj_constant_lst").select(&v),
        Some(json!([1, 2]))
    );
}

#[test]
fn resolve_uses_the_scope() {
    struct S;
    impl Scope for S {
        fn root(&self, root: &Root) -> Option<Value> {
            match root {
                Root::Input => Some(json!({"a": 1})),
                Root::Context => Some(json!({"Execution": {"Id": "arn"}})),
                Root::Variable(name) if &**name == "x" => Some(json!({"y": true})),
                Root::Variable(_) => None,
            }
        }
    }
    assert_eq!(p("$.a").resolve(&S), Some(json!(1)));
    assert_eq!(p("$$.Execution.Id").resolve(&S), Some(json!("arn")));
    assert_eq!(p("$x.y").resolve(&S), Some(json!(true)));
    assert_eq!(p("$unset.y").resolve(&S), None);
}

#[test]
fn parse_errors_name_the_path_and_the_position() {
    for (text, want) in [
        ("", "must start with '$'"),
        ("a.b", "must start with '$'"),
        ("$.", "must not end with '.'"),
        ("$..", "must not end with '.'"),
        ("$.a.", "must not end with '.'"),
        ("$...a", "unexpected '.'"),
        ("$ .a", "expected '.' or '['"),
        ("$var-x", "expected '.' or '['"),
        ("$$x", "expected '.' or '['"),
        ("$.a b", "blank characters"),
        ("$[", "could not parse token"),
        ("$[x]", "could not parse token"),
        ("$['a'", "missing closing ']'"),
        ("$['a", "not closed"),
        ("$['a' 'b']", "separated by ','"),
        ("$['a',]", "empty name"),
        ("$[0", "missing closing ']'"),
        ("$[1 2]", "invalid array index"),
        ("$[1 : 2]", "invalid slice"),
        ("$[::2]", "needs a start or an end"),
        ("$[:]", "needs a start or an end"),
        ("$[a:1]", "could not parse token"),
        ("$[99999999999]", "invalid array index"),
        ("$[* ", "expected wildcard token to end with ']'"),
        ("$[?(@.x > 1]", "not closed"),
        ("$[?(@.x)", "expected ']'"),
        ("$[?@.x]", "expected '('"),
        ("$[?(@.x == )]", "expected a value"),
        ("$[?(@.x <> 1)]", "expected ')'"),
        ("$[?('a')]", "expected a comparison"),
        ("$[?(@.x =~ /(/)]", "invalid regular expression"),
        ("$[?(@.x == 'a)]", "not closed"),
        ("$.a.foo()", "function 'foo' does not exist"),
        ("$.a.length().b", "must be the last step"),
        ("$.a.length(", "not closed"),
        ("$..length()", "not a function"),
        (
            "$[?(((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((@.a)))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))]",
            "nests too deeply",
        ),
    ] {
        let err = Path::parse(text).expect_err(text);
        assert_eq!(err.path, text);
        assert!(err.reason.contains(want), "{text}: {}", err.reason);
        assert!(
            err.reason.contains("(at position "),
            "{text}: {}",
            err.reason
        );
        assert!(
            err.to_string()
                .starts_with(&format!("invalid JSONPath '{text}'"))
        );
    }
}

#[test]
fn syntax_accepted_like_jayway() {
    for text in [
        "$",
        "$.a",
        "$.int-literal",
        "$.delivery-partner",
        "$.a:b",
        "$.ünïcödé",
        "$['a b']",
        "$[\"a b\"]",
        "$.abc.['def ghi']",
        "$.[0]",
        "$[ 'a' , 'b' ]",
        "$[ 0 ]",
        "$[0, 1]",
        "$[-1]",
        "$[1:3]",
        "$[:2]",
        "$[-2:]",
        "$[1:2:3]",
        "$[*]",
        "$[ * ]",
        "$.*",
        "$.a.*.b",
        "$..a",
        "$..*",
        "$..[0]",
        "$..['a','b']",
        "$[?(@.x)]",
        "$[?( @.x > 5 )]",
        "$[?(!@.x)]",
        "$[?(@.x == 'LOW' && (@.y < 2 || !(@.z)))]",
        "$[?(@.x =~ /a\\/b.*/i)]",
        "$[?(@.x in ['a', \"b\"])]",
        "$[?(@.x IN [1,2])]",
        "$[?(@.a.length() > 2)]",
        "$[?(@['a b'][0] == 1)]",
        "$[?(@.x == $.y)]",
        "$[?(@.x == {\"a\": 1})]",
        "$.a.length()",
        "$.a.size()",
        "$.a.sum()",
        "$.a.append(1, \"x\", {\"k\": 2})",
        "$.a.concat($.b, \"c\")",
        "$..price.avg()",
        "  $.a  ",
    ] {
        assert!(Path::parse(text).is_ok(), "{text}: {:?}", Path::parse(text));
    }
}

#[test]
fn normalized_is_jayways_form() {
    for (text, want) in [
        ("$", "$"),
        ("$.NoSuchInputPath", "$['NoSuchInputPath']"),
        ("$.a.b[0]", "$['a']['b'][0]"),
        ("$[\"a\"]", "$[\"a\"]"),
        ("$['a','b']", "$['a','b']"),
        ("$[0, 1]", "$[0,1]"),
        ("$[-1]", "$[-1]"),
        ("$[1:3]", "$[1:3]"),
        ("$[:2]", "$[:2]"),
        ("$[-2:]", "$[-2:]"),
        ("$[1:2:3]", "$[1:2]"),
        ("$[*]", "$[*]"),
        ("$.*", "$[*]"),
        ("$..a", "$..['a']"),
        ("$..*", "$..[*]"),
        ("$..[0]", "$..[0]"),
        ("$.x[?(@.y)].z", "$['x'][?]['z']"),
        ("$.a.length()", "$['a'].length()"),
        ("$.a.append(1)", "$['a'].append(...)"),
        ("$.a.size()", "$['a'].length()"),
        ("$$.Execution.Id", "$$['Execution']['Id']"),
        ("$var.x[2]", "$var['x'][2]"),
        ("$.abc.['def ghi']", "$['abc']['def ghi']"),
        ("$['Test\\\"\"Name\"']", "$['Test\\\"\"Name\"']"),
    ] {
        assert_eq!(p(text).normalized(), want, "{text}");
    }
}

#[test]
fn definite_and_reference_paths() {
    // (path, definite, reference)
    for (text, definite, reference) in [
        ("$", true, true),
        ("$.a", true, true),
        ("$['a'].b[0][-1]", true, true),
        ("$$.Map.Item.Value", true, true),
        ("$var.a[3]", true, true),
        ("$['a','b']", true, false),
        ("$['a','b'].c", false, false),
        ("$[0,1]", false, false),
        ("$[1:2]", false, false),
        ("$[*]", false, false),
        ("$.*", false, false),
        ("$..a", false, false),
        ("$[?(@.a)]", false, false),
        ("$.a.length()", true, false),
        ("$.a[*].length()", false, false),
        ("$..a.sum()", true, false),
    ] {
        let path = p(text);
        assert_eq!(path.is_definite(), definite, "definite {text}");
        assert_eq!(path.is_reference_path(), reference, "reference {text}");
    }
}

#[test]
fn definite_selection() {
    let doc = json!({"a": {"b": [1, 2, 3], "s": "str", "n": null}, "k-1": true, "": 5});
    for (text, want) in [
        ("$", Some(doc.clone())),
        ("$.a.b", Some(json!([1, 2, 3]))),
        ("$.a.b[0]", Some(json!(1))),
        ("$.a.b[-1]", Some(json!(3))),
        ("$.a.b[-3]", Some(json!(1))),
        ("$.a.n", Some(Value::Null)),
        ("$.k-1", Some(json!(true))),
        ("$['']", Some(json!(5))),
        ("$['a']['s']", Some(json!("str"))),
        // Missing: a field, a field of a non-object, an index out of range or of a non-array.
        ("$.missing", None),
        ("$.a.missing.x", None),
        ("$.a.s.x", None),
        ("$.a.n.x", None),
        ("$.a.b.x", None),
        ("$.a.b[3]", None),
        ("$.a.b[-4]", None),
        ("$.a[0]", None),
        ("$.a.s[0]", None),
    ] {
        assert_eq!(sel(text, &doc), want, "{text}");
    }
}

/// AWS: `$.items[*]`, slices and their children on a missing item select `[]`
/// (conformance cases base--json-path-array-wildcard-or-slice-with-no-input-*).
#[test]
fn indefinite_paths_on_missing_items_select_empty_arrays() {
    let empty = json!({});
    for text in [
        "$.item.items[1:5].itemValue",
        "$.item.items[1:5]",
        "$.item.items[:1]",
        "$.item.items[1:]",
        "$.item.items[*]",
        "$.items[:1].itemValue",
        "$.items[1:].itemValue",
        "$.items[:1]",
        "$.items[1:]",
        "$.items[*].itemValue",
        "$.items[*]",
        "$[*]",
    ] {
        assert_eq!(sel(text, &empty), Some(json!([])), "{text}");
    }
}

/// AWS keeps the backslash of a bracketed name (conformance case
/// base-scenarios--escape-sequence-parsing-escape-sequences-jsonpath).
#[test]
fn bracket_names_keep_backslashes() {
    let doc = json!({"Test\\\"\"Name\"": "Value\"\\"});
    assert_eq!(sel("$['Test\\\"\"Name\"']", &doc), Some(json!("Value\"\\")));
    let doc = json!({"it's": 1, "a]b,c": 2, "x.y": 3});
    assert_eq!(sel("$[\"it's\"]", &doc), Some(json!(1)));
    assert_eq!(sel("$['a]b,c']", &doc), Some(json!(2)));
    assert_eq!(sel("$['x.y']", &doc), Some(json!(3)));
}

#[test]
fn jayway_readme_examples() {
    let doc = store();
    let authors = json!([
        "Nigel Rees",
        "Evelyn Waugh",
        "Herman Melville",
        "J. R. R. Tolkien"
    ]);
    assert_eq!(sel("$.store.book[*].author", &doc), Some(authors.clone()));
    assert_eq!(sel("$..author", &doc), Some(authors));
    let store_items = sel("$.store.*", &doc).unwrap();
    assert_eq!(store_items.as_array().unwrap().len(), 2);
    assert_eq!(
        sel("$.store..price", &doc),
        Some(json!([8.95, 12.99, 8.99, 22.99, 19.95]))
    );
    let title = |path: &str| sel(&format!("{path}.title"), &doc);
    assert_eq!(title("$..book[2]"), Some(json!(["Moby Dick"])));
    assert_eq!(title("$..book[-2]"), Some(json!(["Moby Dick"])));
    assert_eq!(
        title("$..book[0,1]"),
        Some(json!(["Sayings of the Century", "Sword of Honour"]))
    );
    assert_eq!(
        title("$..book[:2]"),
        Some(json!(["Sayings of the Century", "Sword of Honour"]))
    );
    assert_eq!(title("$..book[1:2]"), Some(json!(["Sword of Honour"])));
    assert_eq!(
        title("$..book[-2:]"),
        Some(json!(["Moby Dick", "The Lord of the Rings"]))
    );
    assert_eq!(
        title("$..book[2:]"),
        Some(json!(["Moby Dick", "The Lord of the Rings"]))
    );
    assert_eq!(
        title("$..book[?(@.isbn)]"),
        Some(json!(["Moby Dick", "The Lord of the Rings"]))
    );
    assert_eq!(
        title("$.store.book[?(@.price < 10)]"),
        Some(json!(["Sayings of the Century", "Moby Dick"]))
    );
    assert_eq!(
        title("$..book[?(@.price <= $['expensive'])]"),
        Some(json!(["Sayings of the Century", "Moby Dick"]))
    );
    assert_eq!(
        title("$..book[?(@.author =~ /.*REES/i)]"),
        Some(json!(["Sayings of the Century"]))
    );
    assert_eq!(sel("$..book.length()", &doc), Some(json!(4)));
    assert_eq!(sel("$.store.book.length()", &doc), Some(json!(4)));
    assert_eq!(
        sel("$.store.bicycle.keys()", &doc),
        Some(json!(["color", "price"]))
    );
}

#[test]
fn slices_follow_jayway() {
    let doc = json!(["a", "b", "c"]);
    for (text, want) in [
        ("$[0:2]", json!(["a", "b"])),
        ("$[1:]", json!(["b", "c"])),
        ("$[-1:]", json!(["c"])),
        ("$[-5:]", json!(["a", "b", "c"])),
        ("$[5:]", json!([])),
        ("$[:-1]", json!(["a", "b"])),
        ("$[:10]", json!(["a", "b", "c"])),
        ("$[:-5]", json!([])),
        ("$[2:1]", json!([])),
        // `[from:to]` clamps only `to`, and each index is read as `[i]`: negative ones count from the end.
        ("$[-2:5]", json!(["b", "c", "a", "b", "c"])),
        ("$[-2:-1]", json!(["b"])),
        ("$[1:-1]", json!([])),
        ("$[0,2,7,-1]", json!(["a", "c", "c"])),
    ] {
        assert_eq!(sel(text, &doc), Some(want), "{text}");
    }
    assert_eq!(sel("$[0:2]", &json!([])), Some(json!([])));
    assert_eq!(
        sel("$[-2147483648:2147483647]", &doc),
        Some(json!(["a", "b", "c", "a", "b", "c"]))
    );
}

#[test]
fn wildcards_scans_and_unions() {
    let doc = json!({"a": {"b": 1}, "c": [2, {"b": 3}]});
    assert_eq!(sel("$.*", &doc), Some(json!([{"b": 1}, [2, {"b": 3}]])));
    assert_eq!(sel("$[*]", &doc), sel("$.*", &doc));
    assert_eq!(
        sel("$..*", &doc),
        Some(json!([{"b": 1}, [2, {"b": 3}], 1, 2, {"b": 3}, 3]))
    );
    assert_eq!(sel("$..b", &doc), Some(json!([1, 3])));
    assert_eq!(sel("$..[0]", &doc), Some(json!([2])));
    assert_eq!(sel("$.a.b[*]", &doc), Some(json!([])));
    assert_eq!(sel("$.c[*].b", &doc), Some(json!([3])));
    // A union of names as the last step merges the names that exist into one object.
    let doc = json!({"a": 1, "b": {"x": 2}, "c": 3});
    assert_eq!(sel("$['a','c']", &doc), Some(json!({"a": 1, "c": 3})));
    assert_eq!(sel("$['c','a','zz']", &doc), Some(json!({"c": 3, "a": 1})));
    assert_eq!(sel("$['a','b'].x", &doc), Some(json!([2])));
    assert_eq!(sel("$..['a','c']", &doc), Some(json!([{"a": 1, "c": 3}])));
    assert_eq!(sel("$[0,1]", &json!([7, 8, 9])), Some(json!([7, 8])));
}

#[test]
fn security_hub_filters() {
    let doc = findings();
    for (text, want) in [
        ("$.findings[?(@.Severity.Label == 'HIGH')].Id", vec!["f1"]),
        ("$.findings[?(@.Severity.Label == \"HIGH\")].Id", vec!["f1"]),
        (
            "$.findings[?(@.Severity.Normalized >= 70)].Id",
            vec!["f1", "f3"],
        ),
        (
            "$.findings[?(@.Severity.Normalized > $.threshold)].Id",
            vec!["f1", "f3"],
        ),
        ("$.findings[?(@.Severity.Normalized < 70)].Id", vec!["f2"]),
        (
            "$.findings[?(@.Severity.Normalized <= 70)].Id",
            vec!["f1", "f2"],
        ),
        (
            "$.findings[?(@.Severity.Label in ['HIGH', 'CRITICAL'])].Id",
            vec!["f1", "f3"],
        ),
        (
            "$.findings[?(@.Severity.Label nin ['HIGH', 'CRITICAL'])].Id",
            vec!["f2"],
        ),
        ("$.findings[?(@.RecordState)].Id", vec!["f3"]),
        ("$.findings[?(!@.RecordState)].Id", vec!["f1", "f2"]),
        ("$.findings[?(@.Note)].Id", vec!["f3"]),
        ("$.findings[?(@.Note == null)].Id", vec!["f3"]),
        (
            "$.findings[?(@.Severity.Label == 'LOW' || @.Severity.Normalized > 80)].Id",
            vec!["f2", "f3"],
        ),
        (
            "$.findings[?(@.Severity.Label == 'HIGH' && @.Workflow.Status == 'NEW')].Id",
            vec!["f1"],
        ),
        (
            "$.findings[?(!(@.Severity.Label == 'HIGH'))].Id",
            vec!["f2", "f3"],
        ),
        // A missing operand is "undefined": it equals nothing, so `!=` holds.
        (
            "$.findings[?(@.Workflow.Status != 'NEW')].Id",
            vec!["f2", "f3"],
        ),
        (
            "$.findings[?(@.Resources[0].Type == 'AwsS3Bucket')].Id",
            vec!["f1"],
        ),
        (
            "$.findings[?(@.Severity.Label =~ /high|critical/i)].Id",
            vec!["f1", "f3"],
        ),
        ("$.findings[?(@.Severity.Label =~ /HIG/)].Id", vec![]),
        ("$.findings[?(@.Resources size 1)].Id", vec!["f1"]),
        ("$.findings[?(@.Id size 2)].Id", vec!["f1", "f2", "f3"]),
        ("$.findings[?(@.Resources empty true)].Id", vec!["f2"]),
        ("$.findings[?(@.Types contains 'TTPs')].Id", vec!["f1"]),
        ("$.findings[?(@.Id contains '2')].Id", vec!["f2"]),
        (
            "$.findings[?(@.Types subsetof ['TTPs', 'Effects', 'Other'])].Id",
            vec!["f1", "f3"],
        ),
        (
            "$.findings[?(@.Types anyof ['Effects', 'X'])].Id",
            vec!["f1"],
        ),
        (
            "$.findings[?(@.Types noneof ['Effects', 'X'])].Id",
            vec!["f2", "f3"],
        ),
        ("$.findings[?(@.Types all ['TTPs'])].Id", vec!["f1"]),
        // Jayway compares a number with a string through the left operand's kind.
        (
            "$.findings[?(@.Severity.Normalized == '70')].Id",
            vec!["f1"],
        ),
        ("$.findings[?(@.Severity.Normalized === '70')].Id", vec![]),
        ("$.findings[?(@.Severity.Normalized === 70)].Id", vec!["f1"]),
        (
            "$.findings[?(@.Severity.Normalized !== 70)].Id",
            vec!["f2", "f3"],
        ),
        (
            "$.findings[?(@.Severity.Normalized == 70.0)].Id",
            vec!["f1"],
        ),
        (
            "$.findings[?(@.Severity == {'Label': 'LOW', 'Normalized': 10})].Id",
            vec!["f2"],
        ),
        ("$.findings[?(@.Types.length() == 2)].Id", vec!["f1"]),
        // Strings and numbers do not order against each other.
        ("$.findings[?(@.Severity.Label > 5)].Id", vec![]),
        ("$.findings[?(@.Severity.Label > 'D')].Id", vec!["f1", "f2"]),
        // An operand of the wrong kind for `in` makes the item fail, not the path.
        ("$.findings[?(@.Id in 'f1')].Id", vec![]),
    ] {
        assert_eq!(ids(sel(text, &doc)), want, "{text}");
    }
    // A filter on an object tests the object itself.
    assert_eq!(
        sel(
            "$.findings[0].Severity[?(@.Label == 'HIGH')].Normalized",
            &doc
        ),
        Some(json!([70]))
    );
    assert_eq!(
        sel("$.findings[0].Severity[?(@.Label == 'LOW')]", &doc),
        Some(json!([]))
    );
    // Under `..` a filter finds every object that passes, at any depth.
    assert_eq!(
        sel("$..[?(@.Label == 'CRITICAL')].Normalized", &doc),
        Some(json!([90]))
    );
    // A filter on a scalar selects nothing.
    assert_eq!(sel("$.threshold[?(@.x)]", &doc), Some(json!([])));
}

#[test]
fn filter_literals() {
    let doc = json!([
        {"v": "it's"}, {"v": "a\nb"}, {"v": true}, {"v": false}, {"v": -1.5}, {"v": [1, 2]}, {"v": "5"}, {"v": 5}
    ]);
    let vals = |text: &str| sel(text, &doc).unwrap();
    assert_eq!(vals("$[?(@.v == 'it\\'s')].v"), json!(["it's"]));
    assert_eq!(vals("$[?(@.v == \"a\\nb\")].v"), json!(["a\nb"]));
    assert_eq!(vals("$[?(@.v == true)].v"), json!([true]));
    assert_eq!(vals("$[?(@.v == false)].v"), json!([false]));
    assert_eq!(vals("$[?(@.v == -1.5)].v"), json!([-1.5]));
    assert_eq!(vals("$[?(@.v == [1,2])].v"), json!([[1, 2]]));
    assert_eq!(vals("$[?(@.v == 5)].v"), json!(["5", 5]));
    assert_eq!(vals("$[?(@.v =~ /5/)].v"), json!(["5", 5]));
    assert_eq!(vals("$[?(@.v =~ /tr.e/)].v"), json!([true]));
    assert_eq!(vals("$[?(@.v == '\\u0041' || @.v == 'x')].v"), json!([]));
    // `@` alone is the item itself.
    assert_eq!(
        sel("$[?(@ > 2)]", &json!([1, 2, 3, 4])),
        Some(json!([3, 4]))
    );
    assert_eq!(
        sel("$[?(@ =~ /a.*/)]", &json!(["abc", "bc", 1])),
        Some(json!(["abc"]))
    );
    assert_eq!(
        sel("$[?(@ in [1, 'x'])]", &json!([1, 2, "x"])),
        Some(json!([1, "x"]))
    );
    // `!` before a path only negates an existence check.
    assert_eq!(vals("$[?(!@.w)].v").as_array().unwrap().len(), 8);
}

#[test]
fn functions() {
    let doc = json!({"numbers": [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], "mixed": [1, "x", 2.5, null],
                     "words": ["a", "b", 3], "empty": [], "obj": {"k": 1, "j": 2}, "text": "abc"});
    for (text, want) in [
        ("$.numbers.min()", json!(1.0)),
        ("$.numbers.max()", json!(10.0)),
        ("$.numbers.avg()", json!(5.5)),
        ("$.numbers.sum()", json!(55.0)),
        ("$.numbers.stddev()", json!(2.8722813232690143)),
        ("$.numbers.length()", json!(10)),
        ("$.numbers.size()", json!(10)),
        ("$.obj.length()", json!(2)),
        ("$.text.length()", Value::Null),
        ("$.mixed.sum()", json!(3.5)),
        ("$.numbers.sum(100)", json!(155.0)),
        ("$.numbers.max($.mixed)", json!(10.0)),
        ("$.numbers.first()", json!(1)),
        ("$.numbers.last()", json!(10)),
        ("$.numbers.index(2)", json!(3)),
        ("$.numbers.index(-2)", json!(9)),
        ("$.words.concat()", json!("ab")),
        ("$.words.concat(\"c\", $.words)", json!("abcab3")),
        ("$.empty.append(1, \"x\")", json!([1, "x"])),
        ("$.obj.keys()", json!(["k", "j"])),
        ("$.mixed.distinct()", json!([1, "x", 2.5, null])),
        ("$.length()", json!(6)),
    ] {
        assert_eq!(sel(text, &doc), Some(want), "{text}");
    }
    // Aggregating nothing and indexing out of range fail: a definite path then selects nothing.
    assert_eq!(sel("$.empty.sum()", &doc), None);
    assert_eq!(sel("$.text.avg()", &doc), None);
    assert_eq!(sel("$.empty.first()", &doc), None);
    assert_eq!(sel("$.numbers.index(10)", &doc), None);
    assert_eq!(sel("$.missing.length()", &doc), None);
    // `$..x.fn()` is `fn($..x)`: it aggregates the numbers `$..x` finds, not the contents of arrays.
    let total = sel("$..price.sum()", &store())
        .and_then(|v| v.as_f64())
        .unwrap();
    assert!((total - 73.87).abs() < 1e-9, "{total}");
    assert_eq!(sel("$..price.max()", &store()), Some(json!(22.99)));
    assert_eq!(sel("$..numbers.sum()", &doc), None);
    // After an indefinite step a function applies to each match.
    assert_eq!(
        sel("$.*.length()", &json!({"a": [1], "b": [1, 2]})),
        Some(json!([1, 2]))
    );
}

#[test]
fn assign_writes_result_paths() {
    let input = json!({"a": 1, "b": {"c": 2}, "arr": [1, 2, 3]});
    let v = json!("r");
    for (text, want) in [
        ("$", json!("r")),
        (
            "$.x",
            json!({"a": 1, "b": {"c": 2}, "arr": [1, 2, 3], "x": "r"}),
        ),
        ("$.a", json!({"a": "r", "b": {"c": 2}, "arr": [1, 2, 3]})),
        (
            "$.b.d",
            json!({"a": 1, "b": {"c": 2, "d": "r"}, "arr": [1, 2, 3]}),
        ),
        (
            "$.n.m.o",
            json!({"a": 1, "b": {"c": 2}, "arr": [1, 2, 3], "n": {"m": {"o": "r"}}}),
        ),
        (
            "$['b']['c']",
            json!({"a": 1, "b": {"c": "r"}, "arr": [1, 2, 3]}),
        ),
        (
            "$.arr[1]",
            json!({"a": 1, "b": {"c": 2}, "arr": [1, "r", 3]}),
        ),
        (
            "$.arr[-1]",
            json!({"a": 1, "b": {"c": 2}, "arr": [1, 2, "r"]}),
        ),
    ] {
        assert_eq!(p(text).assign(input.clone(), v.clone()), Ok(want), "{text}");
    }
    // An existing key keeps its place.
    let out = p("$.a").assign(input.clone(), v.clone()).unwrap();
    assert_eq!(
        out.as_object().unwrap().keys().next().map(|k| &**k),
        Some("a")
    );
    // Writing into an array element that is an object.
    let out = p("$[0].x").assign(json!([{"y": 1}]), v.clone()).unwrap();
    assert_eq!(out, json!([{"y": 1, "x": "r"}]));
}

/// AWS's `States.ReferencePathConflict` causes.
#[test]
fn assign_conflicts_use_aws_causes() {
    let v = json!(1);
    for (text, input, cause) in [
        (
            "$.someTaskResult",
            json!("input1"),
            "Unable to apply ReferencePath $.someTaskResult to input \"input1\"",
        ),
        (
            "$.partitioned",
            json!("{\"min_size\":10000}"),
            "Unable to apply ReferencePath $.partitioned to input \"{\\\"min_size\\\":10000}\"",
        ),
        (
            "$.x",
            json!(null),
            "Unable to apply ReferencePath $.x to input null",
        ),
        (
            "$[0]",
            json!(7),
            "Unable to apply ReferencePath $[0] to input 7",
        ),
        (
            "$.catalogBuilderOutput",
            json!([1, 2]),
            "Unable to apply step \"catalogBuilderOutput\" to input [1,2]",
        ),
        (
            "$.a.b",
            json!({"a": "s"}),
            "Unable to apply step \"b\" to input {\"a\":\"s\"}",
        ),
        (
            "$.a.b.c",
            json!({"a": {"b": 3}}),
            "Unable to apply step \"c\" to input {\"a\":{\"b\":3}}",
        ),
        (
            "$.a[5]",
            json!({"a": [1]}),
            "Unable to apply step \"[5]\" to input {\"a\":[1]}",
        ),
        (
            "$.a[0]",
            json!({}),
            "Unable to apply step \"[0]\" to input {}",
        ),
        (
            "$[0]",
            json!({"a": 1}),
            "Unable to apply step \"[0]\" to input {\"a\":1}",
        ),
    ] {
        let err = p(text).assign(input, v.clone()).expect_err(text);
        assert_eq!(err.reason, cause, "{text}");
        assert_eq!(err.path, text);
        let states = err.to_result_path_error();
        assert_eq!(states.error, "States.ReferencePathConflict");
        assert_eq!(states.cause.as_deref(), Some(cause));
    }
    let err = p("$.a[*]")
        .assign(json!({"a": [1]}), v)
        .expect_err("not a reference path");
    assert!(
        err.reason.contains("not a reference path"),
        "{}",
        err.reason
    );
}

#[test]
fn assign_copies_only_the_spine() {
    let input = json!({"keep": {"deep": [1, 2, 3]}, "b": {"c": {"x": 1}, "sib": {"y": 2}}});
    let out = p("$.b.c.z").assign(input.clone(), json!(0)).unwrap();
    let shared = |path: &str| match (p(path).select(&input), p(path).select(&out)) {
        (Some(Value::Object(a)), Some(Value::Object(b))) => Arc::ptr_eq(&a, &b),
        _ => false,
    };
    assert!(shared("$.keep"), "an untouched subtree stays shared");
    assert!(shared("$.b.sib"), "a sibling on the spine stays shared");
    assert!(!shared("$.b.c"), "the written object is a copy");
    assert_eq!(
        input,
        json!({"keep": {"deep": [1, 2, 3]}, "b": {"c": {"x": 1}, "sib": {"y": 2}}})
    );
}

#[test]
fn paths_compare_by_steps() {
    assert_eq!(p("$.a.b[0]"), p("$['a']['b'][0]"));
    assert_ne!(p("$.a"), p("$[\"a\"]"));
    assert_ne!(p("$.a"), p("$$.a"));
    assert_eq!(p("$[?(@.x > 1)]"), p("$[?(@.x > 1)]"));
    assert_ne!(p("$[?(@.x > 1)]"), p("$[?(@.x > 2)]"));
}

/// A name that dot notation can carry, and one that needs brackets.
fn name() -> impl Strategy<Value = String> {
    prop_oneof![
        "[A-Za-z_][A-Za-z0-9_-]{0,6}",
        "[A-Za-z0-9 .\\[\\]()*?@$,:-]{0,6}",
    ]
}

#[derive(Clone, Debug)]
enum Seg {
    Name(String, u8),
    Index(i32),
}

fn segs(max: usize) -> impl Strategy<Value = Vec<Seg>> {
    prop::collection::vec(
        prop_oneof![
            (name(), 0u8..3).prop_map(|(n, style)| Seg::Name(n, style)),
            (-4i32..6).prop_map(Seg::Index),
        ],
        0..max,
    )
}

/// Writes segments as path text: dot notation when it can, else single or double quotes.
fn text_of(segs: &[Seg]) -> String {
    let mut out = String::from("$");
    for s in segs {
        match s {
            Seg::Name(n, 0)
                if !n.is_empty()
                    && n.chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
                    && !n.starts_with(['-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9']) =>
            {
                out.push('.');
                out.push_str(n);
            }
            Seg::Name(n, 1) => out.push_str(&format!("[\"{n}\"]")),
            Seg::Name(n, _) => out.push_str(&format!("['{n}']")),
            Seg::Index(i) => out.push_str(&format!("[{i}]")),
        }
    }
    out
}

/// Small JSON documents whose keys collide with generated paths.
fn doc() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        (-5i64..5).prop_map(Value::int),
        "[a-c]{0,2}".prop_map(Value::string),
    ];
    leaf.prop_recursive(4, 32, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::from_vec),
            prop::collection::vec(("[a-d]", inner), 0..4).prop_map(|kv| kv
                .into_iter()
                .map(|(k, v)| (Str::from(k.as_str()), v))
                .collect()),
        ]
    })
}

fn field_path() -> impl Strategy<Value = Vec<String>> {
    prop::collection::vec("[a-d]", 1..4)
}

proptest! {
    #[test]
    fn normalized_reference_paths_parse_back(segs in segs(6)) {
        let text = text_of(&segs);
        let path = p(&text);
        prop_assert!(path.is_reference_path());
        let again = p(&path.normalized());
        prop_assert_eq!(&again, &path);
        prop_assert_eq!(again.normalized(), path.normalized());
    }

    #[test]
    fn assign_then_select_returns_the_value(target in doc(), fields in field_path(), value in doc()) {
        let path = p(&format!("$.{}", fields.join(".")));
        if let Ok(out) = path.assign(target, value.clone()) {
            prop_assert_eq!(path.select(&out), Some(value));
        }
    }

    #[test]
    fn assign_fails_only_on_a_non_object_on_the_way(target in doc(), fields in field_path()) {
        let path = p(&format!("$.{}", fields.join(".")));
        let mut cur = Some(&target);
        let mut blocked = false;
        for f in &fields {
            match cur {
                None => {}
                Some(Value::Object(m)) => cur = m.get(f.as_str()),
                Some(_) => { blocked = true; break; }
            }
        }
        prop_assert_eq!(path.assign(target.clone(), Value::Null).is_err(), blocked);
    }

    #[test]
    fn assign_keeps_every_other_key(target in doc(), fields in field_path(), value in doc()) {
        let path = p(&format!("$.{}", fields.join(".")));
        let Ok(out) = path.assign(target.clone(), value) else { return Ok(()) };
        // Along the spine, every key but the one the path follows keeps its value.
        let (mut before, mut after) = (Some(&target), &out);
        for f in &fields {
            let new = after.as_object().expect("the spine is made of objects");
            if let Some(old) = before.and_then(Value::as_object) {
                for (k, v) in old.iter().filter(|(k, _)| &***k != f.as_str()) {
                    prop_assert_eq!(new.get(k), Some(v));
                }
                prop_assert_eq!(new.len(), old.len() + usize::from(!old.contains_key(f.as_str())));
            } else {
                prop_assert_eq!(new.len(), 1);
            }
            before = before.and_then(|b| b.get(f));
            after = new.get(f.as_str()).expect("written");
        }
    }

    #[test]
    fn definite_select_agrees_with_a_plain_walk(target in doc(), segs in segs(4)) {
        let path = p(&text_of(&segs));
        let mut cur = Some(&target);
        for s in &segs {
            cur = match (s, cur) {
                (Seg::Name(n, _), Some(Value::Object(m))) => m.get(n.as_str()),
                (Seg::Index(i), Some(Value::Array(a))) => {
                    let k = if *i < 0 { a.len() as i64 + i64::from(*i) } else { i64::from(*i) };
                    usize::try_from(k).ok().and_then(|k| a.get(k))
                }
                _ => None,
            };
        }
        prop_assert_eq!(path.select(&target), cur.cloned());
    }
}

/// The AWS recordings (see /work/shared/conformance/README.md), read from the project's shared directory.
fn recordings() -> Vec<(String, serde_json::Value)> {
    let dir = crate::testing::recordings_dir();
    let mut cases: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.expect("a directory entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .map(|p| {
            let text = std::fs::read_to_string(&p).expect("readable");
            let name = p
                .file_stem()
                .expect("a name")
                .to_string_lossy()
                .into_owned();
            (name, serde_json::from_str(&text).expect("JSON"))
        })
        .collect();
    cases.sort_by(|a, b| a.0.cmp(&b.0));
    assert!(cases.len() > 300, "the recordings are missing");
    cases
}

/// Every path in the recorded definitions parses; the fields AWS restricts to Reference Paths
/// (`ResultPath`, a Choice rule's `Variable` and `*Path` operands) hold reference paths.
#[test]
fn recorded_definitions_paths_parse() {
    fn visit(v: &serde_json::Value, key: &str, in_choices: bool, seen: &mut usize) {
        match v {
            serde_json::Value::Object(m) => {
                for (k, v) in m {
                    visit(v, k, in_choices || k == "Choices", seen);
                }
            }
            serde_json::Value::Array(a) => a.iter().for_each(|v| visit(v, key, in_choices, seen)),
            serde_json::Value::String(s)
                if s.starts_with('$')
                    && (key.ends_with(".$") || key.ends_with("Path") || key == "Variable") =>
            {
                let path = Path::parse(s).unwrap_or_else(|e| panic!("{key}: {e}"));
                if key == "ResultPath"
                    || (in_choices && (key == "Variable" || key.ends_with("Path")))
                {
                    assert!(path.is_reference_path(), "{key}: {s}");
                }
                *seen += 1;
            }
            _ => {}
        }
    }
    let mut seen = 0;
    for (_, case) in recordings() {
        visit(&case["definition"], "", false, &mut seen);
    }
    assert!(seen > 100, "{seen}");
}

/// Single Pass states whose `Parameters` are input paths: the recorded output is what the paths select.
#[test]
fn recorded_parameter_paths_select_what_aws_selected() {
    let mut checked = 0;
    for (name, case) in recordings() {
        let states = case["definition"]["States"].as_object().expect("States");
        let [(_, state)] = states.iter().collect::<Vec<_>>()[..] else {
            continue;
        };
        let state = state.as_object().expect("a state");
        let Some(params) = state.get("Parameters").and_then(|p| p.as_object()) else {
            continue;
        };
        if state.get("Type").and_then(|t| t.as_str()) != Some("Pass")
            || state
                .keys()
                .any(|k| !matches!(k.as_str(), "Type" | "Parameters" | "End" | "Comment"))
            || case["expected"]["status"] != "SUCCEEDED"
            || !params.iter().all(|(k, v)| {
                k.ends_with(".$")
                    && v.as_str()
                        .is_some_and(|s| s.starts_with("$[") || s.starts_with("$."))
            })
        {
            continue;
        }
        let input = Value::from(&case["input"]);
        for (k, v) in params {
            let got = p(v.as_str().expect("a path")).select(&input);
            let want = Value::from(&case["expected"]["output"][k.trim_end_matches(".$")]);
            assert_eq!(got, Some(want), "{name}: {v}");
            checked += 1;
        }
    }
    assert!(checked >= 13, "{checked}");
}

/// `Invalid path '$.NoSuchInputPath' : No results for path: $['NoSuchInputPath']`: the path selects
/// nothing and its normalized form is the one AWS prints.
#[test]
fn recorded_missing_path_causes_use_the_normalized_form() {
    let mut checked = 0;
    for (name, case) in recordings() {
        let Some(cause) = case["expected"]["cause"].as_str() else {
            continue;
        };
        let Some(at) = cause.find("Invalid path '") else {
            continue;
        };
        let rest = &cause[at + "Invalid path '".len()..];
        let (text, normalized) = rest
            .split_once("' : No results for path: ")
            .expect("AWS's wording");
        let path = p(text);
        assert_eq!(path.normalized(), normalized, "{name}");
        assert_eq!(path.select(&Value::from(&case["input"])), None, "{name}");
        checked += 1;
    }
    assert!(checked >= 2, "{checked}");
}

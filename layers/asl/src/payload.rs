//! Payload templates (`Parameters`, `ResultSelector`, `ItemSelector`, JSONPath-mode `Assign`): JSON
//! whose keys ending in `.$` take their value from a path or an intrinsic function. Compiled once.
//!
//! "If any field within the Payload Template (however deeply nested) has a name ending with the characters
//! ".$", its value is transformed according to rules below and the field is renamed to strip the ".$"
//! suffix" (ASL specification, Payload Template), objects inside arrays included. Every other value is a
//! literal, strings that look like paths included. Subtrees without a `.$` key are built once at compile
//! time and shared at run time (a `Value` clone is O(1)).

use crate::Value;
use crate::diagnostic::pointer;
use crate::error::StatesError;
use crate::intrinsics::{Intrinsic, input_text};
use crate::path::{Path, Scope};
use crate::value::{Map, Str};

/// A compiled payload template.
#[derive(Clone, Debug)]
pub struct Template {
    root: Node,
}

/// One compiled node.
#[derive(Clone, Debug)]
enum Node {
    /// A subtree with nothing to evaluate, built once.
    Literal(Value),
    /// An object with at least one dynamic value below it; keys are the output keys.
    Object(Vec<(Str, Node)>),
    /// An array with at least one dynamic value below it.
    Array(Vec<Node>),
    /// `"key.$": "$.path"`; `field` is the key as written, for the error cause. `array` is the path minus
    /// a final `[n]` index step, when it has one.
    Path {
        path: Path,
        field: Str,
        array: Option<Path>,
    },
    /// `"key.$": "States.Fn(...)"`.
    Call(Intrinsic),
}

/// A template that does not compile, with the JSON Pointer (relative to the template) of the bad field.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{pointer}: {message}")]
pub struct TemplateError {
    /// Where in the template, e.g. `/Payload/id.$`.
    pub pointer: String,
    /// What is wrong.
    pub message: String,
}

impl Template {
    /// Compiles a template.
    pub fn compile(template: &serde_json::Value) -> Result<Template, TemplateError> {
        Ok(Template {
            root: compile_node(template, "")?,
        })
    }

    /// Evaluates the template in `scope`.
    pub fn eval(&self, scope: &dyn Scope) -> Result<Value, StatesError> {
        eval_node(&self.root, scope)
    }

    /// The template's value when it has no `.$` field anywhere (it then evaluates to this, always).
    pub fn as_literal(&self) -> Option<&Value> {
        match &self.root {
            Node::Literal(v) => Some(v),
            _ => None,
        }
    }

    /// Every path the template reads, those inside intrinsic calls included.
    pub fn paths(&self) -> Vec<&Path> {
        fn walk<'a>(node: &'a Node, out: &mut Vec<&'a Path>) {
            match node {
                Node::Literal(_) => {}
                Node::Object(entries) => entries.iter().for_each(|(_, n)| walk(n, out)),
                Node::Array(items) => items.iter().for_each(|n| walk(n, out)),
                Node::Path { path, .. } => out.push(path),
                Node::Call(call) => out.extend(call.paths()),
            }
        }
        let mut out = Vec::new();
        walk(&self.root, &mut out);
        out
    }
}

fn compile_node(json: &serde_json::Value, at: &str) -> Result<Node, TemplateError> {
    match json {
        serde_json::Value::Object(entries) => {
            let mut nodes = Vec::with_capacity(entries.len());
            let mut dynamic = false;
            for (key, value) in entries {
                let here = pointer(at, key);
                let node = match key.strip_suffix(".$") {
                    Some(out_key) => {
                        dynamic = true;
                        (out_key.into(), compile_dynamic(key, value, here)?)
                    }
                    None => {
                        let node = compile_node(value, &here)?;
                        dynamic |= !matches!(node, Node::Literal(_));
                        (key.as_str().into(), node)
                    }
                };
                nodes.push(node);
            }
            Ok(if dynamic {
                Node::Object(nodes)
            } else {
                Node::Literal(Value::from(json))
            })
        }
        serde_json::Value::Array(items) => {
            let nodes = items
                .iter()
                .enumerate()
                .map(|(i, item)| compile_node(item, &pointer(at, i)))
                .collect::<Result<Vec<_>, _>>()?;
            Ok(if nodes.iter().all(|n| matches!(n, Node::Literal(_))) {
                Node::Literal(Value::from(json))
            } else {
                Node::Array(nodes)
            })
        }
        other => Ok(Node::Literal(Value::from(other))),
    }
}

/// The value of a `.$` key: a path or an intrinsic call. AWS refuses anything else when the state machine
/// is created: "The value for the field 'x.$' must be a valid JSONPath or a valid intrinsic function call".
fn compile_dynamic(
    key: &str,
    value: &serde_json::Value,
    at: String,
) -> Result<Node, TemplateError> {
    let invalid = |detail: String| TemplateError {
        pointer: at.clone(),
        message: format!(
            "The value for the field '{key}' must be a valid JSONPath or a valid intrinsic function call{detail}"
        ),
    };
    let serde_json::Value::String(text) = value else {
        return Err(invalid(String::new()));
    };
    if Intrinsic::looks_like_call(text) {
        return Intrinsic::parse(text)
            .map(Node::Call)
            .map_err(|e| invalid(format!(" ({})", e.reason)));
    }
    if !text.starts_with('$') {
        return Err(invalid(String::new()));
    }
    let path = Path::parse(text).map_err(|e| invalid(format!(" ({})", e.reason)))?;
    let array = index_parent(text).and_then(|parent| Path::parse(parent).ok());
    Ok(Node::Path {
        path,
        field: key.into(),
        array,
    })
}

/// `$.items` for `$.items[5]` (or `[-1]`): the path without its final index step.
fn index_parent(text: &str) -> Option<&str> {
    let body = text.trim_end().strip_suffix(']')?;
    let open = body.rfind('[')?;
    let index = body[open + 1..].trim();
    let digits = index.strip_prefix('-').unwrap_or(index);
    (!digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())).then(|| &text[..open])
}

fn eval_node(node: &Node, scope: &dyn Scope) -> Result<Value, StatesError> {
    match node {
        Node::Literal(v) => Ok(v.clone()),
        Node::Object(entries) => {
            let mut map = Map::with_capacity_and_hasher(entries.len(), Default::default());
            for (key, node) in entries {
                map.insert(key.clone(), eval_node(node, scope)?);
            }
            Ok(Value::from_map(map))
        }
        Node::Array(items) => items
            .iter()
            .map(|n| eval_node(n, scope))
            .collect::<Result<Vec<_>, _>>()
            .map(Value::from_vec),
        Node::Path { path, field, array } => match path.resolve(scope) {
            Some(v) => Ok(v),
            // An index past the end of an array gives null: AWS succeeds with `"v.$": "$.items[5]"` on
            // `{"items": [1, 2]}` (observed on AWS, us-east-1, per Floci's AslExecutorIntrinsicMissingArgumentTest),
            // while the same path as an intrinsic argument is a miss.
            None if array
                .as_ref()
                .and_then(|a| a.resolve(scope))
                .is_some_and(|a| a.as_array().is_some()) =>
            {
                Ok(Value::Null)
            }
            // "The JSONPath '$.x' specified for the field 'value.$' could not be found in the input '...'"
            // (recorded AWS cause; a `$$.` path also names the state input).
            None => Err(StatesError::runtime(format!(
                "The JSONPath '{}' specified for the field '{field}' could not be found in the input '{}'",
                path.text(),
                input_text(scope)
            ))),
        },
        Node::Call(call) => call.eval(scope),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json;
    use crate::testing::TestScope;

    fn compile(template: serde_json::Value) -> Template {
        Template::compile(&template).unwrap_or_else(|e| panic!("{e}"))
    }

    fn compile_error(template: serde_json::Value) -> TemplateError {
        Template::compile(&template).expect_err("should not compile")
    }

    #[test]
    fn literals_are_kept_as_written_even_when_they_look_like_paths() {
        // assign-base--base-cases-base-constant-literals: without `.$` nothing is evaluated.
        let template = serde_json::json!({
            "constant_null": null, "constant_int": 0, "constant_float": 0.1, "constant_bool": true,
            "constant_str_path_root": "$", "constant_str_path": "$.no.such.path",
            "constant_str_contextpath": "$$.Execution.Id", "constant_str_var": "$noSuchVar",
            "constant_str_intrinsic_func": "States.Format('Format Func {}', $varname)",
            "constant_str_jsonata_expr": "{% $varname.varfield %}",
            "constant_lst": [null, 0, "$.no.such.path", "States.Format('{}', $varname)", [], {"constant": 0}],
            "constant_obj": {"in_obj_constant_str_path": "$.no.such.path", "in_obj_constant_obj_empty": {}}
        });
        let t = compile(template.clone());
        assert_eq!(t.as_literal(), Some(&Value::from(&template)));
        assert_eq!(
            t.eval(&TestScope::default()).unwrap(),
            Value::from(&template)
        );
        assert!(t.paths().is_empty());
        assert_eq!(
            compile(serde_json::json!("$.x"))
                .eval(&TestScope::default())
                .unwrap(),
            json!("$.x")
        );
        assert_eq!(
            compile(serde_json::json!([1, "a"])).as_literal(),
            Some(&json!([1, "a"]))
        );
    }

    #[test]
    fn dollar_keys_evaluate_and_lose_their_suffix_at_any_depth() {
        let t = compile(serde_json::json!({
            "a.$": "States.Format('x{}', 1)",
            "b": {"c.$": "States.Array()", "d": 2},
            "list": [1, {"e.$": "States.MathAdd(1, 2)"}, [{"f.$": "States.StringToJson('true')"}]],
            "keep": "States.UUID()"
        }));
        assert!(t.as_literal().is_none());
        assert_eq!(
            t.eval(&TestScope::default()).unwrap(),
            json!({"a": "x1", "b": {"c": [], "d": 2}, "list": [1, {"e": 3}, [{"f": true}]], "keep": "States.UUID()"})
        );
    }

    #[test]
    fn output_keeps_the_template_key_order() {
        let t = compile(serde_json::json!({"z": 1, "y.$": "States.Array()", "x": 3}));
        let out = t.eval(&TestScope::default()).unwrap();
        assert_eq!(out.to_json_string(), r#"{"z":1,"y":[],"x":3}"#);
    }

    #[test]
    fn literal_subtrees_are_built_once_and_shared() {
        let t = compile(serde_json::json!({"big": {"nested": [1, 2, 3]}, "n.$": "States.Array()"}));
        let scope = TestScope::default();
        let (a, b) = (t.eval(&scope).unwrap(), t.eval(&scope).unwrap());
        match (a.get("big"), b.get("big")) {
            (Some(Value::Object(x)), Some(Value::Object(y))) => {
                assert!(std::sync::Arc::ptr_eq(x, y))
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn an_intrinsic_failure_is_returned_as_is() {
        let t = compile(serde_json::json!({"v.$": "States.MathAdd('a', 1)"}));
        let err = t.eval(&TestScope::default()).unwrap_err();
        assert_eq!(err.error, "States.Runtime");
        assert_eq!(
            err.cause.as_deref(),
            Some(
                "The function 'States.MathAdd('a', 1)' had the following error: Invalid arguments in States.MathAdd"
            )
        );
    }

    #[test]
    fn compile_errors_point_at_the_field() {
        let e = compile_error(serde_json::json!({"Payload": {"id.$": 5}}));
        assert_eq!(e.pointer, "/Payload/id.$");
        assert_eq!(
            e.message,
            "The value for the field 'id.$' must be a valid JSONPath or a valid intrinsic function call"
        );
        let e = compile_error(serde_json::json!({"a": [0, {"b/c~.$": "nope"}]}));
        assert_eq!(e.pointer, "/a/1/b~1c~0.$");
        assert_eq!(
            e.message,
            "The value for the field 'b/c~.$' must be a valid JSONPath or a valid intrinsic function call"
        );
        let e = compile_error(serde_json::json!({"x.$": "States.MathAdd(1)"}));
        assert_eq!(e.pointer, "/x.$");
        assert_eq!(
            e.message,
            "The value for the field 'x.$' must be a valid JSONPath or a valid intrinsic function call \
             (States.MathAdd takes 2 arguments but was given 1 at character 0)"
        );
        for bad in [
            serde_json::json!(null),
            serde_json::json!(true),
            serde_json::json!({}),
            serde_json::json!([]),
        ] {
            assert_eq!(
                compile_error(serde_json::json!({"k.$": bad})).pointer,
                "/k.$"
            );
        }
    }
}

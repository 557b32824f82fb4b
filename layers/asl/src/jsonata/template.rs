//! JSONata templates: a field's JSON value (`Output`, `Arguments`, `Assign`, `Items`,
//! `ItemSelector`, `Condition`, ...) in which each string written `{% ... %}` is an expression.
//!
//! AWS: "JSONata expressions can appear in string values within objects and arrays at any nesting
//! depth"; object keys are literal. An expression that yields no value fails the state even when
//! nested; AWS names the member it sits in, e.g. "The JSONata expression '$states.input.pushLocation'
//! specified for the field 'Arguments/Input/pushLocation' returned nothing (undefined)." (an AWS
//! cause quoted in umccr's orcabus code), with `[i]` for an array position (Floci's measurements).

use jsonata_core::value::JValue;
use serde_json::Value as Json;

use super::analysis::Reads;
use super::{Env, Expression, JsonataError, strip_delimiters};
use crate::error::StatesError;
use crate::value::{Map, Str, Value};

/// A compiled template. Parts without an expression are built once and shared.
#[derive(Debug)]
pub struct Template {
    root: Node,
    /// The expression's text if the template is one expression, else the template as JSON.
    source: Box<str>,
    /// What all the template's expressions read, bound once per evaluation.
    reads: Reads,
}

#[derive(Debug)]
enum Node {
    /// A value with no expression in it.
    Constant(Value),
    /// An expression, with the field name AWS gives it in causes.
    Expression {
        expression: Box<Expression>,
        field: Box<str>,
    },
    Object(Vec<(Str, Node)>),
    Array(Vec<Node>),
}

impl Template {
    /// Compiles `json`, the value of the field AWS calls `field` (`Output`, `Arguments`,
    /// `Choices[0]/Condition`, ...). Fails on the first expression that does not compile, with its
    /// position in [`JsonataError::pointer`].
    pub fn compile(json: &Json, field: &str) -> Result<Template, JsonataError> {
        let mut reads = Reads::default();
        let root = compile_node(json, field, "", &mut reads)?;
        let source = match &root {
            Node::Expression { expression, .. } => expression.text().into(),
            _ => json.to_string().into(),
        };
        Ok(Template {
            root,
            source,
            reads,
        })
    }

    /// Evaluates the template.
    pub fn evaluate(&self, env: &Env<'_>) -> Result<Value, StatesError> {
        match &self.root {
            Node::Constant(value) => Ok(value.clone()),
            root => evaluate_node(root, env, &self.reads, &mut None),
        }
    }

    /// Evaluates the template, whose value must be of JSON type `expected` (`"array"` for `Items`,
    /// ...). A literal of the wrong type is the definition's problem, reported by validation.
    pub fn evaluate_as(&self, env: &Env<'_>, expected: &str) -> Result<Value, StatesError> {
        let value = self.evaluate(env)?;
        match &self.root {
            Node::Expression { expression, field } if value.type_name() != expected => {
                Err(expression.unexpected_type(field, expected, &value))
            }
            _ => Ok(value),
        }
    }

    /// The expression's text if the template is a single expression (as AWS quotes it in causes),
    /// else the template as JSON text.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// The value, if the template holds no expression.
    pub fn as_constant(&self) -> Option<&Value> {
        match &self.root {
            Node::Constant(value) => Some(value),
            _ => None,
        }
    }

    /// The expression, if the whole template is one (`"Items": "{% ... %}"`).
    pub fn as_expression(&self) -> Option<&Expression> {
        match &self.root {
            Node::Expression { expression, .. } => Some(expression),
            _ => None,
        }
    }

    /// Each expression in the template with the field name AWS gives it (`Output/a/b[0]`).
    pub fn expressions(&self) -> Vec<(&str, &Expression)> {
        let mut out = Vec::new();
        collect(&self.root, &mut out);
        out
    }
}

fn collect<'a>(node: &'a Node, out: &mut Vec<(&'a str, &'a Expression)>) {
    match node {
        Node::Constant(_) => {}
        Node::Expression { expression, field } => out.push((field, expression)),
        Node::Object(members) => members.iter().for_each(|(_, n)| collect(n, out)),
        Node::Array(items) => items.iter().for_each(|n| collect(n, out)),
    }
}

fn compile_node(
    json: &Json,
    field: &str,
    pointer: &str,
    reads: &mut Reads,
) -> Result<Node, JsonataError> {
    match json {
        Json::String(s) => match strip_delimiters(s) {
            Some(text) => {
                let expression = Expression::compile(text).map_err(|mut e| {
                    e.pointer = pointer.to_string();
                    e
                })?;
                reads.merge(&expression.reads);
                Ok(Node::Expression {
                    expression: Box::new(expression),
                    field: field.into(),
                })
            }
            None => Ok(Node::Constant(Value::from(json))),
        },
        Json::Object(map) => {
            let mut members = Vec::with_capacity(map.len());
            for (key, value) in map {
                let pointer = format!("{pointer}/{}", key.replace('~', "~0").replace('/', "~1"));
                members.push((
                    Str::from(key.as_str()),
                    compile_node(value, &format!("{field}/{key}"), &pointer, reads)?,
                ));
            }
            Ok(fold_object(members))
        }
        Json::Array(items) => {
            let mut nodes = Vec::with_capacity(items.len());
            for (i, item) in items.iter().enumerate() {
                nodes.push(compile_node(
                    item,
                    &format!("{field}[{i}]"),
                    &format!("{pointer}/{i}"),
                    reads,
                )?);
            }
            Ok(fold_array(nodes))
        }
        other => Ok(Node::Constant(Value::from(other))),
    }
}

/// An object whose members are all constant becomes one constant value.
fn fold_object(members: Vec<(Str, Node)>) -> Node {
    if members.iter().all(|(_, n)| matches!(n, Node::Constant(_))) {
        let map: Map = members
            .into_iter()
            .map(|(k, n)| match n {
                Node::Constant(v) => (k, v),
                _ => unreachable!("checked above"),
            })
            .collect();
        Node::Constant(Value::from_map(map))
    } else {
        Node::Object(members)
    }
}

fn fold_array(items: Vec<Node>) -> Node {
    if items.iter().all(|n| matches!(n, Node::Constant(_))) {
        Node::Constant(
            items
                .into_iter()
                .map(|n| match n {
                    Node::Constant(v) => v,
                    _ => unreachable!("checked above"),
                })
                .collect(),
        )
    } else {
        Node::Array(items)
    }
}

fn evaluate_node(
    node: &Node,
    env: &Env<'_>,
    reads: &Reads,
    bound: &mut Option<Vec<(String, JValue)>>,
) -> Result<Value, StatesError> {
    match node {
        Node::Constant(value) => Ok(value.clone()),
        Node::Expression { expression, field } => {
            let result = expression.evaluate_bound(env, reads, bound);
            expression.field_result(result, field)
        }
        Node::Object(members) => {
            let mut map = Map::with_capacity_and_hasher(members.len(), Default::default());
            for (key, node) in members {
                map.insert(key.clone(), evaluate_node(node, env, reads, bound)?);
            }
            Ok(Value::from_map(map))
        }
        Node::Array(items) => {
            let mut out = Vec::with_capacity(items.len());
            for node in items {
                out.push(evaluate_node(node, env, reads, bound)?);
            }
            Ok(Value::from_vec(out))
        }
    }
}

//! Compiling a Choice rule from its JSON: operator recognition, operand type checks, path parsing.

use serde_json::Value as Json;

use super::operators::Cmp;
use super::operators::is::TypeTest;
use super::operators::string::Pattern;
use super::operators::timestamp::Timestamp;
use super::{ConditionError, Node, Operand, Test};
use crate::diagnostic::pointer;
use crate::path::Path;

/// The comparison operator a field name stands for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Operator {
    Is(Option<TypeTest>),
    String(Cmp, bool),
    Matches,
    Numeric(Cmp, bool),
    Boolean(bool),
    Timestamp(Cmp, bool),
}

/// Recognizes `IsNull`, `StringLessThanEqualsPath`, `StringMatches`, `BooleanEquals`, ...
fn operator(name: &str) -> Option<Operator> {
    if let Some(kind) = name.strip_prefix("Is") {
        return Some(Operator::Is(match kind {
            "Present" => None,
            "Null" => Some(TypeTest::Null),
            "Numeric" => Some(TypeTest::Numeric),
            "String" => Some(TypeTest::String),
            "Boolean" => Some(TypeTest::Boolean),
            "Timestamp" => Some(TypeTest::Timestamp),
            _ => return None,
        }));
    }
    if name == "StringMatches" {
        return Some(Operator::Matches);
    }
    let (name, path) = match name.strip_suffix("Path") {
        Some(name) => (name, true),
        None => (name, false),
    };
    if let Some(cmp) = name.strip_prefix("String").and_then(Cmp::from_suffix) {
        return Some(Operator::String(cmp, path));
    }
    if let Some(cmp) = name.strip_prefix("Numeric").and_then(Cmp::from_suffix) {
        return Some(Operator::Numeric(cmp, path));
    }
    if let Some(cmp) = name.strip_prefix("Timestamp").and_then(Cmp::from_suffix) {
        return Some(Operator::Timestamp(cmp, path));
    }
    (name == "BooleanEquals").then_some(Operator::Boolean(path))
}

/// Every comparison operator, in the order AWS lists them when a rule has none.
const OPERATOR_NAMES: &str = "BooleanEquals, BooleanEqualsPath, IsBoolean, IsNull, IsNumeric, IsPresent, \
    IsString, IsTimestamp, NumericEquals, NumericEqualsPath, NumericGreaterThan, NumericGreaterThanPath, \
    NumericGreaterThanEquals, NumericGreaterThanEqualsPath, NumericLessThan, NumericLessThanPath, \
    NumericLessThanEquals, NumericLessThanEqualsPath, StringEquals, StringEqualsPath, StringGreaterThan, \
    StringGreaterThanPath, StringGreaterThanEquals, StringGreaterThanEqualsPath, StringLessThan, \
    StringLessThanPath, StringLessThanEquals, StringLessThanEqualsPath, StringMatches, TimestampEquals, \
    TimestampEqualsPath, TimestampGreaterThan, TimestampGreaterThanPath, TimestampGreaterThanEquals, \
    TimestampGreaterThanEqualsPath, TimestampLessThan, TimestampLessThanPath, TimestampLessThanEquals, \
    TimestampLessThanEqualsPath";

fn error(at: &str, message: impl Into<String>) -> ConditionError {
    ConditionError {
        pointer: at.to_owned(),
        message: message.into(),
    }
}

/// Compiles the rule at `at` (a JSON Pointer relative to the top-level rule, extended while recursing).
///
/// "The values of the And and Or operators must be non-empty arrays of Choice Rules that must not
/// themselves contain Next fields. Likewise, the value of a Not operator must be a single Choice Rule
/// that must not contain Next fields." Only the top-level rule may carry `Next`, `Assign` and `Output`.
pub(super) fn rule(rule: &Json, at: &mut String, top_level: bool) -> Result<Node, ConditionError> {
    // Messages and locations follow AWS's ValidateStateMachineDefinition (SCHEMA_VALIDATION_FAILED).
    let Some(fields) = rule.as_object() else {
        return Err(error(at, "Expected value of type [OBJECT]"));
    };
    let mut variable = None;
    let mut logical: Option<(&str, &Json)> = None;
    let mut operators: Vec<(&str, &Json)> = Vec::new();
    for (name, value) in fields {
        match name.as_str() {
            "Comment" => {}
            "Next" | "Assign" | "Output" if top_level => {}
            "Variable" => variable = Some(value),
            "And" | "Or" | "Not" => logical = Some((name, value)),
            _ if operator(name).is_some() => operators.push((name, value)),
            _ => return Err(error(at, format!("Field '{name}' is not supported"))),
        }
    }
    let selectors = usize::from(variable.is_some())
        + fields
            .keys()
            .filter(|k| matches!(k.as_str(), "And" | "Or" | "Not"))
            .count();
    if selectors > 1 {
        return Err(error(
            at,
            "There should only be one of the following fields: [And, Or, Not, Variable]",
        ));
    }
    let len = at.len();
    let node = match logical {
        Some((name, operand)) => {
            if let Some(&(op, _)) = operators.first() {
                return Err(error(at, format!("Field '{op}' is not supported")));
            }
            *at = pointer(at, name);
            if name == "Not" {
                if !operand.is_object() {
                    return Err(error(at, "Expected value of type [OBJECT]"));
                }
                Node::Not(Box::new(self::rule(operand, at, false)?))
            } else {
                let rules = operand
                    .as_array()
                    .ok_or_else(|| error(at, "Expected value of type [ARRAY]"))?;
                if rules.is_empty() {
                    return Err(error(at, "Value cannot be empty"));
                }
                let mut nodes = Vec::with_capacity(rules.len());
                for (i, item) in rules.iter().enumerate() {
                    let base = at.len();
                    *at = pointer(at, i);
                    nodes.push(self::rule(item, at, false)?);
                    at.truncate(base);
                }
                let nodes = nodes.into_boxed_slice();
                if name == "And" {
                    Node::And(nodes)
                } else {
                    Node::Or(nodes)
                }
            }
        }
        None => {
            let (name, operand) = match (variable, operators.as_slice()) {
                (_, [one]) => *one,
                (None, []) => {
                    return Err(error(
                        at,
                        "This object should have only one of the following fields: [And, Or, Not, Variable]",
                    ));
                }
                (Some(_), []) => {
                    return Err(error(
                        at,
                        format!(
                            "This object should have only one of the following fields: [{OPERATOR_NAMES}]"
                        ),
                    ));
                }
                (_, several) => {
                    let names: Vec<&str> = several.iter().map(|(name, _)| *name).collect();
                    return Err(error(
                        at,
                        format!(
                            "There should only be one of the following fields: [{}]",
                            names.join(", ")
                        ),
                    ));
                }
            };
            let Some(variable) = variable else {
                return Err(error(at, "These fields are required: [Variable]"));
            };
            *at = pointer(at, "Variable");
            let variable = reference_path(variable, at)?;
            at.truncate(len);
            *at = pointer(at, name);
            let op = operator(name).expect("recognized above");
            Node::Test {
                variable,
                test: test(op, operand, at)?,
            }
        }
    };
    at.truncate(len);
    Ok(node)
}

/// A `Variable` or `*Path` operand: "The values of the Variable and Path fields in the comparison must
/// be valid Reference Paths."
fn reference_path(value: &Json, at: &str) -> Result<Path, ConditionError> {
    let text = value
        .as_str()
        .ok_or_else(|| error(at, "Expected value of type [STRING]"))?;
    let not_reference =
        |reason: &str| error(at, format!("Value is not a Reference Path: {reason}"));
    if !text.starts_with('$') {
        return Err(not_reference("Reference path didn't start with '$'"));
    }
    let path = Path::parse(text).map_err(|e| not_reference(&e.reason))?;
    if path.is_reference_path() {
        Ok(path)
    } else {
        Err(not_reference("Reference path must identify a single node"))
    }
}

/// Checks and converts an operator's operand.
fn test(op: Operator, operand: &Json, at: &str) -> Result<Test, ConditionError> {
    let expected = |kind: &str| error(at, format!("Expected value of type [{kind}]"));
    let boolean = || operand.as_bool().ok_or_else(|| expected("BOOLEAN"));
    let string = || operand.as_str().ok_or_else(|| expected("STRING"));
    let path = || reference_path(operand, at);
    Ok(match op {
        Operator::Is(None) => Test::IsPresent(boolean()?),
        Operator::Is(Some(kind)) => Test::Is(kind, boolean()?),
        Operator::Matches => Test::Matches(Pattern::new(string()?)),
        Operator::String(cmp, true) => Test::String(cmp, Operand::Path(path()?)),
        Operator::String(cmp, false) => Test::String(cmp, Operand::Literal(string()?.into())),
        Operator::Numeric(cmp, true) => Test::Numeric(cmp, Operand::Path(path()?)),
        Operator::Numeric(cmp, false) => {
            let Json::Number(literal) = operand else {
                return Err(expected("NUMBER"));
            };
            Test::Numeric(cmp, Operand::Literal(literal.clone()))
        }
        Operator::Boolean(true) => Test::Boolean(Operand::Path(path()?)),
        Operator::Boolean(false) => Test::Boolean(Operand::Literal(boolean()?)),
        Operator::Timestamp(cmp, true) => Test::Timestamp(cmp, Operand::Path(path()?)),
        Operator::Timestamp(cmp, false) => {
            let literal = Timestamp::parse(string()?)
                .ok_or_else(|| error(at, "String does not match RFC3339 timestamp"))?;
            Test::Timestamp(cmp, Operand::Literal(literal))
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognizes_every_documented_operator() {
        let mut names = vec![
            "IsNull",
            "IsPresent",
            "IsNumeric",
            "IsString",
            "IsBoolean",
            "IsTimestamp",
        ];
        names.extend(["StringMatches", "BooleanEquals", "BooleanEqualsPath"]);
        let families = ["String", "Numeric", "Timestamp"];
        let cmps = [
            "Equals",
            "LessThan",
            "GreaterThan",
            "LessThanEquals",
            "GreaterThanEquals",
        ];
        let mut generated = Vec::new();
        for family in families {
            for cmp in cmps {
                generated.push(format!("{family}{cmp}"));
                generated.push(format!("{family}{cmp}Path"));
            }
        }
        names.extend(generated.iter().map(String::as_str));
        assert_eq!(names.len(), 39);
        for name in names {
            assert!(operator(name).is_some(), "{name}");
        }
        assert_eq!(
            operator("NumericLessThanEqualsPath"),
            Some(Operator::Numeric(Cmp::LessThanEquals, true))
        );
        assert_eq!(operator("IsPresent"), Some(Operator::Is(None)));
    }

    #[test]
    fn refuses_names_that_are_not_operators() {
        for name in [
            "StringMatchesPath",
            "BooleanLessThan",
            "BooleanGreaterThanPath",
            "IsArray",
            "IsPresentPath",
            "NumericEqual",
            "NumericEqualsPathPath",
            "numericEquals",
            "Equals",
            "Path",
            "Is",
            "Timestamp",
            "Condition",
        ] {
            assert_eq!(operator(name), None, "{name}");
        }
    }
}

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
    let Some(fields) = rule.as_object() else {
        return Err(error(at, "A Choice Rule must be a JSON object"));
    };
    let mut variable = None;
    let mut found: Option<(&str, &Json)> = None;
    for (name, value) in fields {
        match name.as_str() {
            "Comment" => {}
            "Next" | "Assign" | "Output" if top_level => {}
            "Variable" => variable = Some(value),
            "And" | "Or" | "Not" => found = Some(one_operator(found, name, value, at)?),
            _ if operator(name).is_some() => found = Some(one_operator(found, name, value, at)?),
            _ => return Err(error(at, format!("Field '{name}' is not supported"))),
        }
    }
    let Some((name, operand)) = found else {
        return Err(error(
            at,
            "A Choice Rule must contain a comparison operator or one of And, Or, Not",
        ));
    };
    let len = at.len();
    let node = match name {
        "And" | "Or" => {
            if variable.is_some() {
                return Err(error(
                    at,
                    format!("Field 'Variable' is not supported with '{name}'"),
                ));
            }
            *at = pointer(at, name);
            let rules = match operand.as_array() {
                Some(rules) if !rules.is_empty() => rules,
                _ => {
                    return Err(error(
                        at,
                        format!("The value of '{name}' must be a non-empty array of Choice Rules"),
                    ));
                }
            };
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
        "Not" => {
            if variable.is_some() {
                return Err(error(at, "Field 'Variable' is not supported with 'Not'"));
            }
            *at = pointer(at, name);
            if !operand.is_object() {
                return Err(error(at, "The value of 'Not' must be a single Choice Rule"));
            }
            Node::Not(Box::new(self::rule(operand, at, false)?))
        }
        _ => {
            let Some(variable) = variable else {
                return Err(error(at, "The field 'Variable' is required"));
            };
            *at = pointer(at, "Variable");
            let variable = reference_path(variable, "Variable", at)?;
            at.truncate(len);
            *at = pointer(at, name);
            let op = operator(name).expect("recognized above");
            Node::Test {
                variable,
                test: test(op, name, operand, at)?,
            }
        }
    };
    at.truncate(len);
    Ok(node)
}

/// Records the operator `name`, refusing a second one.
fn one_operator<'a>(
    found: Option<(&'a str, &'a Json)>,
    name: &'a str,
    value: &'a Json,
    at: &str,
) -> Result<(&'a str, &'a Json), ConditionError> {
    match found {
        None => Ok((name, value)),
        Some((first, _)) => Err(error(
            at,
            format!(
                "A Choice Rule must contain exactly one operator, found '{first}' and '{name}'"
            ),
        )),
    }
}

/// A `Variable` or `*Path` operand: "The values of the Variable and Path fields in the comparison must
/// be valid Reference Paths."
fn reference_path(value: &Json, field: &str, at: &str) -> Result<Path, ConditionError> {
    let invalid = || {
        error(
            at,
            format!("The value for the field '{field}' must be a valid Reference Path"),
        )
    };
    let text = value.as_str().ok_or_else(invalid)?;
    let path = Path::parse(text).map_err(|_| invalid())?;
    if path.is_reference_path() {
        Ok(path)
    } else {
        Err(invalid())
    }
}

/// Checks and converts an operator's operand.
fn test(op: Operator, name: &str, operand: &Json, at: &str) -> Result<Test, ConditionError> {
    let expected = |kind: &str| error(at, format!("The value of '{name}' must be {kind}"));
    let boolean = || operand.as_bool().ok_or_else(|| expected("a boolean"));
    let path = || reference_path(operand, name, at);
    Ok(match op {
        Operator::Is(None) => Test::IsPresent(boolean()?),
        Operator::Is(Some(kind)) => Test::Is(kind, boolean()?),
        Operator::Matches => Test::Matches(Pattern::new(
            operand.as_str().ok_or_else(|| expected("a string"))?,
        )),
        Operator::String(cmp, true) => Test::String(cmp, Operand::Path(path()?)),
        Operator::String(cmp, false) => {
            let literal = operand.as_str().ok_or_else(|| expected("a string"))?;
            Test::String(cmp, Operand::Literal(literal.into()))
        }
        Operator::Numeric(cmp, true) => Test::Numeric(cmp, Operand::Path(path()?)),
        Operator::Numeric(cmp, false) => {
            let Json::Number(literal) = operand else {
                return Err(expected("a number"));
            };
            Test::Numeric(cmp, Operand::Literal(literal.clone()))
        }
        Operator::Boolean(true) => Test::Boolean(Operand::Path(path()?)),
        Operator::Boolean(false) => Test::Boolean(Operand::Literal(boolean()?)),
        Operator::Timestamp(cmp, true) => Test::Timestamp(cmp, Operand::Path(path()?)),
        Operator::Timestamp(cmp, false) => {
            let literal = operand.as_str().and_then(Timestamp::parse).ok_or_else(|| {
                expected("an RFC 3339 timestamp string, e.g. 2016-08-18T17:33:00Z")
            })?;
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

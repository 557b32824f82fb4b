//! Choice rules in JSONPath mode: comparison operators, `Is*` tests, `And`/`Or`/`Not`.
//!
//! A rule is compiled once ([`Condition::compile`]): paths are parsed, literal timestamps and
//! `StringMatches` patterns are pre-parsed, operand types are checked. Evaluation then only resolves
//! paths and compares, allocating nothing unless it fails.

mod compile;
mod operators;

#[cfg(test)]
mod conformance;
#[cfg(test)]
mod tests;

use crate::Value;
use crate::error::StatesError;
use crate::path::{Path, Scope};
use crate::value::{Number, Str};
use operators::Cmp;
use operators::is::TypeTest;
use operators::string::Pattern;
use operators::timestamp::Timestamp;

/// A compiled Choice rule condition (without its `Next`, `Assign`, `Output` or `Comment`).
#[derive(Clone, Debug)]
pub struct Condition {
    node: Node,
}

/// A rule that does not compile, with the JSON Pointer (relative to the rule) of the bad field.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{pointer}: {message}")]
pub struct ConditionError {
    /// Where in the rule, e.g. `/And/1/StringEquals`.
    pub pointer: String,
    /// What is wrong.
    pub message: String,
}

impl Condition {
    /// Compiles a Choice rule object; `Next`, `Assign`, `Output` and `Comment` at its top level are ignored.
    pub fn compile(rule: &serde_json::Value) -> Result<Condition, ConditionError> {
        compile::rule(rule, &mut String::new(), true).map(|node| Condition { node })
    }

    /// Evaluates the condition in `scope`.
    pub fn evaluate(&self, scope: &dyn Scope) -> Result<bool, StatesError> {
        self.node.evaluate(scope)
    }
}

/// A compiled rule.
#[derive(Clone, Debug)]
enum Node {
    /// `And`: every rule holds, evaluated in order and stopping at the first that does not.
    And(Box<[Node]>),
    /// `Or`: some rule holds, evaluated in order and stopping at the first that does.
    Or(Box<[Node]>),
    /// `Not`: the rule does not hold.
    Not(Box<Node>),
    /// A comparison of the value at `variable`.
    Test {
        /// The `Variable` reference path.
        variable: Path,
        /// The operator and its operand.
        test: Test,
    },
}

/// An operator with its operand.
#[derive(Clone, Debug)]
enum Test {
    /// `IsPresent`
    IsPresent(bool),
    /// `IsNull`, `IsNumeric`, `IsString`, `IsBoolean`, `IsTimestamp`
    Is(TypeTest, bool),
    /// `StringEquals`, `StringLessThan`, ... and their `Path` forms.
    String(Cmp, Operand<Str>),
    /// `StringMatches`
    Matches(Pattern),
    /// `NumericEquals`, `NumericLessThan`, ... and their `Path` forms.
    Numeric(Cmp, Operand<Number>),
    /// `BooleanEquals`, `BooleanEqualsPath`
    Boolean(Operand<bool>),
    /// `TimestampEquals`, `TimestampLessThan`, ... and their `Path` forms.
    Timestamp(Cmp, Operand<Timestamp>),
}

/// The right-hand side of a comparison: a literal, or a `*Path` operand read at run time.
#[derive(Clone, Debug)]
enum Operand<T> {
    Literal(T),
    Path(Path),
}

/// "Invalid path '$.x': The choice state's condition path references an invalid value." AWS fails the
/// execution with this `States.Runtime` cause when a `Variable` or `*Path` operand selects nothing.
fn invalid_path(path: &Path) -> StatesError {
    StatesError::runtime(format!(
        "Invalid path '{}': The choice state's condition path references an invalid value.",
        path.text()
    ))
}

impl<T> Operand<T> {
    /// The operand's value: `literal` of the literal, or `convert` of the value at the path (kept alive
    /// in `holder`).
    ///
    /// A path that selects nothing fails like a missing `Variable`. A path that selects a value of the
    /// wrong type makes an `*EqualsPath` comparison false but fails an ordering comparison
    /// (`*LessThanPath`, `*GreaterThanEqualsPath`, ...): AWS can test any two values for equality, but
    /// refuses to order against a value the operator cannot compare.
    fn resolve<'a, U>(
        &'a self,
        scope: &dyn Scope,
        cmp: Cmp,
        holder: &'a mut Option<Value>,
        literal: impl FnOnce(&'a T) -> U,
        convert: impl FnOnce(&'a Value) -> Option<U>,
    ) -> Result<Option<U>, StatesError> {
        match self {
            Operand::Literal(value) => Ok(Some(literal(value))),
            Operand::Path(path) => {
                let value = holder.insert(path.resolve(scope).ok_or_else(|| invalid_path(path))?);
                match convert(value) {
                    Some(v) => Ok(Some(v)),
                    None if cmp == Cmp::Equals => Ok(None),
                    None => Err(invalid_path(path)),
                }
            }
        }
    }
}

impl Node {
    fn evaluate(&self, scope: &dyn Scope) -> Result<bool, StatesError> {
        match self {
            // "The following example shows that the StringEquals rule is only evaluated if
            // $.keyThatMightNotExist exists because of the preceding IsPresent choice rule": `And`
            // stops at the first false rule (and `Or` at the first true one).
            Node::And(rules) => {
                for rule in rules {
                    if !rule.evaluate(scope)? {
                        return Ok(false);
                    }
                }
                Ok(true)
            }
            Node::Or(rules) => {
                for rule in rules {
                    if rule.evaluate(scope)? {
                        return Ok(true);
                    }
                }
                Ok(false)
            }
            Node::Not(rule) => Ok(!rule.evaluate(scope)?),
            Node::Test { variable, test } => {
                let value = variable.resolve(scope);
                if let Test::IsPresent(expected) = test {
                    return Ok(value.is_some() == *expected);
                }
                // Every operator but IsPresent needs the Variable to select something.
                let value = value.ok_or_else(|| invalid_path(variable))?;
                test.evaluate(&value, scope)
            }
        }
    }
}

impl Test {
    /// Compares `value` (what the `Variable` selected).
    ///
    /// "For each of these operators, the corresponding value must be of the appropriate type: string,
    /// number, Boolean, or timestamp. Step Functions doesn't attempt to match a numeric field to a string
    /// value." A `Variable` of another type makes the comparison false (AWS-recorded: `BooleanEquals`
    /// on `0`, `StringEquals` on `null`, `TimestampEquals` on `"2023-02-24 12:15:56.832957"`).
    fn evaluate(&self, value: &Value, scope: &dyn Scope) -> Result<bool, StatesError> {
        let mut holder = None;
        Ok(match self {
            Test::IsPresent(expected) => *expected,
            Test::Is(test, expected) => test.holds(value) == *expected,
            Test::Matches(pattern) => value.as_str().is_some_and(|s| pattern.matches(s)),
            Test::String(cmp, operand) => {
                let Some(rhs) =
                    operand.resolve(scope, *cmp, &mut holder, |s| &**s, Value::as_str)?
                else {
                    return Ok(false);
                };
                value.as_str().is_some_and(|lhs| match cmp {
                    Cmp::Equals => lhs == rhs,
                    _ => cmp.accepts(operators::string::java_compare(lhs, rhs)),
                })
            }
            Test::Numeric(cmp, operand) => {
                let Some(rhs) =
                    operand.resolve(scope, *cmp, &mut holder, |n| n, Value::as_number)?
                else {
                    return Ok(false);
                };
                value
                    .as_number()
                    .is_some_and(|lhs| cmp.accepts(operators::numeric::compare(lhs, rhs)))
            }
            Test::Boolean(operand) => {
                let Some(rhs) =
                    operand.resolve(scope, Cmp::Equals, &mut holder, |b| *b, Value::as_bool)?
                else {
                    return Ok(false);
                };
                value.as_bool() == Some(rhs)
            }
            Test::Timestamp(cmp, operand) => {
                let parse = |v: &Value| v.as_str().and_then(Timestamp::parse);
                let Some(rhs) = operand.resolve(scope, *cmp, &mut holder, |t| *t, parse)? else {
                    return Ok(false);
                };
                parse(value).is_some_and(|lhs| cmp.accepts(lhs.compare(&rhs)))
            }
        })
    }
}

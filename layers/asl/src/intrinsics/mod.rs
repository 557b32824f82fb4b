//! Intrinsic functions (`States.Format(...)`, `States.Array(...)`, ...), parsed once and evaluated on
//! [`Value`]s.
//!
//! How AWS reports a failing call (all `States.Runtime`, which no Retry or Catch handles):
//! - a path argument that finds nothing: "The function '<call as written>' had the following error: The
//!   JsonPath argument for the field '<path>' could not be found in the input '<state input>'" (captured
//!   from AWS and Step Functions Local; quoted in LocalStack issue #9706 and Floci's
//!   AslExecutorIntrinsicMissingArgumentTest);
//! - arguments the function rejects: "Invalid arguments in States.<Name>" (AWS executions recorded by the
//!   aws-samples step-functions testing suite and a public conformance suite run against AWS; both report
//!   `States.Runtime`, not `States.IntrinsicFailure`). The causes here put that sentence after the same
//!   "The function '...' had the following error: " prefix.

mod array;
mod encoding;
pub(crate) mod format;
mod hash;
mod json;
mod math;
mod parser;
mod string;

use std::sync::Arc;

use crate::Value;
use crate::error::StatesError;
use crate::path::{Path, Root, Scope};

pub use parser::quote;
use parser::{Call, Expr, Func};

/// A parsed intrinsic function call, e.g. `States.MathAdd($.i, 1)`.
#[derive(Clone, Debug)]
pub struct Intrinsic {
    text: String,
    call: Arc<Call>,
}

/// An intrinsic call that does not parse (unknown function, wrong arity, bad literal, bad path).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("invalid intrinsic function call '{text}': {reason}")]
pub struct IntrinsicError {
    /// The text that was given.
    pub text: String,
    /// What is wrong with it.
    pub reason: String,
}

/// Why a call failed, before it is worded as AWS words it.
#[derive(Debug)]
enum Failure {
    /// A path argument found nothing; holds the path as AWS names it.
    Missing(Arc<str>),
    /// The function rejected its arguments.
    Invalid(Func),
}

type Eval = Result<Value, Failure>;

impl Intrinsic {
    /// Whether `text` looks like an intrinsic call rather than a path (starts with `States.`).
    pub fn looks_like_call(text: &str) -> bool {
        text.trim_start().starts_with("States.")
    }

    /// Parses a call.
    pub fn parse(text: &str) -> Result<Intrinsic, IntrinsicError> {
        match parser::parse_call(text) {
            Ok(call) => Ok(Intrinsic {
                text: text.to_owned(),
                call,
            }),
            Err(e) => Err(IntrinsicError {
                text: text.to_owned(),
                reason: e.reason,
            }),
        }
    }

    /// The call as written.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The name of the outermost function, e.g. `States.Format`.
    pub fn function_name(&self) -> &'static str {
        self.call.func.name()
    }

    /// Every path argument, nested calls included (for checks such as "is this variable defined").
    pub fn paths(&self) -> Vec<&Path> {
        fn walk<'a>(call: &'a Call, out: &mut Vec<&'a Path>) {
            for arg in &call.args {
                match arg {
                    Expr::Path(p) => out.push(&p.path),
                    Expr::Call(c) => walk(c, out),
                    Expr::Literal(_) => {}
                }
            }
        }
        let mut out = Vec::new();
        walk(&self.call, &mut out);
        out
    }

    /// Evaluates the call; path arguments are resolved in `scope`.
    pub fn eval(&self, scope: &dyn Scope) -> Result<Value, StatesError> {
        eval_call(&self.call, scope).map_err(|failure| {
            let detail = match failure {
                Failure::Missing(path) => format!(
                    "The JsonPath argument for the field '{path}' could not be found in the input '{}'",
                    input_text(scope)
                ),
                Failure::Invalid(func) => format!("Invalid arguments in {}", func.name()),
            };
            StatesError::runtime(format!(
                "The function '{}' had the following error: {detail}",
                self.text
            ))
        })
    }
}

/// The state input as compact JSON, as AWS quotes it in causes.
pub(crate) fn input_text(scope: &dyn Scope) -> String {
    scope
        .root(&Root::Input)
        .map_or_else(|| "null".to_owned(), |v| v.to_json_string())
}

fn eval_expr(expr: &Expr, scope: &dyn Scope) -> Eval {
    match expr {
        Expr::Literal(v) => Ok(v.clone()),
        Expr::Path(p) => p
            .path
            .resolve(scope)
            .ok_or_else(|| Failure::Missing(p.display.clone())),
        Expr::Call(c) => eval_call(c, scope),
    }
}

fn eval_call(call: &Call, scope: &dyn Scope) -> Eval {
    let n = call.args.len();
    if call.func == Func::Array || n > 3 {
        let args = call
            .args
            .iter()
            .map(|a| eval_expr(a, scope))
            .collect::<Result<Vec<_>, _>>()?;
        if call.func == Func::Array {
            return Ok(Value::from_vec(args));
        }
        return apply(call, &args);
    }
    // Every other function takes at most three arguments: keep them off the heap.
    let mut args: [Value; 3] = Default::default();
    for (slot, arg) in args.iter_mut().zip(&call.args) {
        *slot = eval_expr(arg, scope)?;
    }
    apply(call, &args[..n])
}

fn apply(call: &Call, args: &[Value]) -> Eval {
    let result = match call.func {
        Func::Format => format_call(call, args),
        Func::StringToJson => json::string_to_json(args),
        Func::JsonToString => Ok(json::json_to_string(args)),
        Func::Array => Ok(Value::from_vec(args.to_vec())),
        Func::ArrayPartition => array::partition(args),
        Func::ArrayContains => array::contains(args),
        Func::ArrayRange => array::range(args),
        Func::ArrayGetItem => array::get_item(args),
        Func::ArrayLength => array::length(args),
        Func::ArrayUnique => array::unique(args),
        Func::Base64Encode => encoding::base64_encode(args),
        Func::Base64Decode => encoding::base64_decode(args),
        Func::Hash => hash::hash(args),
        Func::JsonMerge => json::merge(args),
        Func::MathRandom => math::random(args),
        Func::MathAdd => math::add(args),
        Func::StringSplit => string::split(args),
        // "returns a version 4 universally unique identifier (v4 UUID) generated using random numbers"
        Func::Uuid => Ok(Value::string(uuid::Uuid::new_v4().to_string())),
    };
    result.map_err(|Invalid| Failure::Invalid(call.func))
}

/// "The value of the first argument must be a string, and may include zero or more instances of the
/// character sequence {}. There must be as many remaining arguments in the Invocation as there are
/// occurrences of {}."
fn format_call(call: &Call, args: &[Value]) -> Result<Value, Invalid> {
    let parsed;
    let template = match &call.template {
        Some(t) => t.as_ref().map_err(|_| Invalid)?,
        None => {
            // A template read from a path is split at run time, with the same escapes.
            parsed = format::FormatTemplate::parse(args[0].as_str().ok_or(Invalid)?)
                .map_err(|_| Invalid)?;
            &parsed
        }
    };
    if template.placeholders() != args.len() - 1 {
        return Err(Invalid);
    }
    Ok(Value::string(template.render(&args[1..])))
}

/// A function rejected its arguments ("Invalid arguments in States.<Name>").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Invalid;

/// An integer argument: any number, its fraction dropped. AWS truncates: `States.ArrayRange(1.6, 1.4, 1)`
/// gives `[1]` and `States.ArrayPartition($.a, 2.6)` chunks by 2 (public conformance suite run against AWS).
pub(crate) fn truncated(v: &Value) -> Result<i64, Invalid> {
    match v {
        Value::Number(n) => Ok(match n.as_i64() {
            Some(i) => i,
            // `as` saturates, and a JSON number is never NaN.
            None => n.as_f64().ok_or(Invalid)?.trunc() as i64,
        }),
        _ => Err(Invalid),
    }
}

/// The string argument, or `Invalid`.
pub(crate) fn string_arg(v: &Value) -> Result<&str, Invalid> {
    v.as_str().ok_or(Invalid)
}

/// AWS counts input lengths in Java characters (UTF-16 code units).
pub(crate) fn java_length(s: &str) -> usize {
    s.chars().map(char::len_utf16).sum()
}

#[cfg(test)]
mod path_tests;
#[cfg(test)]
mod tests;

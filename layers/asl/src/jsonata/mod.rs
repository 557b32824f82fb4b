//! JSONata (`QueryLanguage: JSONata`): `{% expression %}` strings, compiled once and evaluated with the
//! `$states` binding and the execution's variables.
//!
//! AWS: "Step Functions implements JSONata based on the 2.0.6 specification. All built-in JSONata
//! functions and operators in the 2.0.6 specification are supported, with one exception: $eval is
//! not available—use $parse instead. Step Functions also provides additional functions"
//! ("Transforming data with JSONata in Step Functions"). Evaluation runs on jsonata-core; this
//! module adds the Step Functions functions ([`functions`]), converts values both ways
//! ([`convert`]), and words failures the way AWS does.
//!
//! Speed: an expression is parsed once. At run time, an expression that only reads a variable's
//! members (`{% $states.input.order.id %}`, `{% $total %}`) never reaches jsonata-core: it is read
//! straight from the engine's [`Value`]s, sharing them. Any other expression gets copies of just
//! the members it reads ([`analysis::reads`]), never the whole input.

mod analysis;
mod convert;
mod functions;
mod messages;
mod template;

use std::fmt;

use jsonata_core::ast::AstNode;
use jsonata_core::evaluator::{Context, Evaluator, EvaluatorError, EvaluatorOptions};
use jsonata_core::value::JValue;

use crate::error::StatesError;
use crate::value::{Str, Value};

pub use template::Template;

use analysis::{Reads, Rewrite};
use convert::Unsupported;

/// How long one evaluation may run before it fails (`D1012`). AWS bounds evaluation too; an
/// expression with no base case would otherwise hold its thread for ever.
const EVALUATION_TIMEOUT_MS: u64 = 5_000;

/// Whether `s` is a JSONata expression: it starts with `{%` and ends with `%}`, with nothing outside
/// them ("JSONata syntax: `\"{% <JSONata expression> %}\"`"). A string that merely contains `{%`, or
/// has whitespace before `{%` or after `%}`, is a literal string.
pub fn is_expression(s: &str) -> bool {
    s.len() >= 4 && s.starts_with("{%") && s.ends_with("%}")
}

/// The expression inside the `{% %}` delimiters, without surrounding whitespace (AWS quotes it
/// that way in causes: `{% true %}` is `'true'`), or `None` if `s` is not an expression.
pub fn strip_delimiters(s: &str) -> Option<&str> {
    is_expression(s).then(|| s[2..s.len() - 2].trim())
}

/// Whether a definition's field value is a JSONata expression string.
pub fn is_expression_value(json: &serde_json::Value) -> bool {
    json.as_str().is_some_and(is_expression)
}

/// An expression that cannot be compiled: its text does not parse, or it uses an operator newer
/// than the JSONata 2.0.6 AWS implements.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JsonataError {
    code: Option<String>,
    message: String,
    pointer: String,
}

impl JsonataError {
    fn parse(message: &str) -> JsonataError {
        let message = message.strip_prefix("Parse error: ").unwrap_or(message);
        let normalized = messages::normalize(message);
        match messages::code(&normalized) {
            Some(code) => JsonataError {
                code: Some(code.to_string()),
                message: normalized[6..].trim_start().to_string(),
                pointer: String::new(),
            },
            None => JsonataError {
                code: None,
                message: normalized,
                pointer: String::new(),
            },
        }
    }

    /// The JSONata error code (`S0202`), if the parser gave one.
    pub fn code(&self) -> Option<&str> {
        self.code.as_deref()
    }

    /// The message without its code (AWS strips the code in definition errors).
    pub fn message(&self) -> &str {
        &self.message
    }

    /// Where the expression sits inside the compiled template, as a JSON Pointer suffix
    /// (`/a/0`); empty for the template's own value or a bare expression.
    pub fn pointer(&self) -> &str {
        &self.pointer
    }
}

impl fmt::Display for JsonataError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for JsonataError {}

/// The `$states` reserved variable: "$states.input (the original state input), $states.result (the
/// API or sub-workflow's result, if successful), $states.errorOutput (the Error Output, if there
/// was an error), $states.context (the Context object)".
#[derive(Clone, Copy)]
pub struct States<'a> {
    /// `$states.input`.
    pub input: &'a Value,
    /// `$states.context`, the Context object, built only if the expression reads it.
    pub context: &'a dyn ContextObject,
    /// `$states.result`, where defined.
    pub result: Option<&'a Value>,
    /// `$states.errorOutput`, where defined (a Catcher's `Output` and `Assign`).
    pub error_output: Option<&'a Value>,
}

/// The Context object, which the engine may build on first use.
pub trait ContextObject {
    /// The Context object.
    fn context(&self) -> &Value;
}

impl ContextObject for Value {
    fn context(&self) -> &Value {
        self
    }
}

/// The execution's variables (set by `Assign`), read as `$name`.
pub trait Variables {
    /// The value of variable `name` (without `$`), if it is in scope.
    fn get(&self, name: &str) -> Option<&Value>;
}

impl Variables for () {
    fn get(&self, _name: &str) -> Option<&Value> {
        None
    }
}

/// An object of variables (other values hold none).
impl Variables for Value {
    fn get(&self, name: &str) -> Option<&Value> {
        Value::get(self, name)
    }
}

impl Variables for crate::value::Map {
    fn get(&self, name: &str) -> Option<&Value> {
        indexmap::IndexMap::get(self, name)
    }
}

impl<S: std::hash::BuildHasher> Variables for std::collections::HashMap<Str, Value, S> {
    fn get(&self, name: &str) -> Option<&Value> {
        std::collections::HashMap::get(self, name)
    }
}

impl<S: std::hash::BuildHasher> Variables for std::collections::HashMap<String, Value, S> {
    fn get(&self, name: &str) -> Option<&Value> {
        std::collections::HashMap::get(self, name)
    }
}

/// Everything an expression can read: `$states` and the variables.
#[derive(Clone, Copy)]
pub struct Env<'a> {
    /// `$states`.
    pub states: States<'a>,
    /// The variables in scope.
    pub variables: &'a dyn Variables,
}

impl<'a> Env<'a> {
    /// An environment with `$states.input` and `$states.context` and no variables.
    pub fn new(input: &'a Value, context: &'a dyn ContextObject) -> Env<'a> {
        Env {
            states: States {
                input,
                context,
                result: None,
                error_output: None,
            },
            variables: &(),
        }
    }

    /// With `$states.result`.
    pub fn with_result(mut self, result: &'a Value) -> Env<'a> {
        self.states.result = Some(result);
        self
    }

    /// With `$states.errorOutput`.
    pub fn with_error_output(mut self, error_output: &'a Value) -> Env<'a> {
        self.states.error_output = Some(error_output);
        self
    }

    /// With these variables.
    pub fn with_variables(mut self, variables: &'a dyn Variables) -> Env<'a> {
        self.variables = variables;
        self
    }

    /// The value `$name` reads, when it is a plain value (`None` also when the name is unbound).
    fn variable(&self, name: &str) -> Option<&'a Value> {
        if name == "states" {
            None
        } else {
            self.variables.get(name)
        }
    }
}

/// Why an evaluation produced no value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EvalError {
    /// The expression raised an error; the message as AWS words it (`T1006: Attempted to invoke a
    /// non-function`).
    Threw(String),
    /// The result was a function or a regular expression, which JSON cannot hold.
    UnsupportedResult,
}

/// How an expression is run.
enum Plan {
    /// Its value is fixed (computed at compile time).
    Constant(Result<Option<Value>, Unsupported>),
    /// It reads a variable's members (`$states.input.a.b`, `$x`); tried without jsonata-core.
    Path {
        variable: Box<str>,
        keys: Vec<Box<str>>,
    },
    /// Anything else: jsonata-core with the variables it reads bound.
    General,
}

/// A compiled JSONata expression. Compile once, evaluate many times; `Send + Sync`.
pub struct Expression {
    text: Box<str>,
    ast: AstNode,
    reads: Reads,
    plan: Plan,
    /// The expression with its member reads bound as values ([`analysis::rewrite`]).
    rewrite: Option<Rewrite>,
}

impl fmt::Debug for Expression {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Expression({:?})", self.text)
    }
}

impl Expression {
    /// Parses `text`, the expression without its `{% %}` delimiters (see [`strip_delimiters`]).
    pub fn compile(text: &str) -> Result<Expression, JsonataError> {
        let text = text.trim();
        let ast =
            jsonata_core::parser::parse(text).map_err(|e| JsonataError::parse(&e.to_string()))?;
        let reads = analysis::reads(&ast);
        if let Some(op) = reads.newer_operator {
            // JSONata 2.0.6 has no `??` or `?:`; its parser reads the second symbol as a unary
            // operator and fails there.
            let symbol = &op[1..];
            return Err(JsonataError {
                code: Some("S0211".into()),
                message: format!("The symbol \"{symbol}\" cannot be used as a unary operator"),
                pointer: String::new(),
            });
        }
        let rewrite = analysis::rewrite(&ast, &reads);
        let plan = if let Some((variable, keys)) = analysis::simple_path(&ast) {
            Plan::Path { variable, keys }
        } else if analysis::is_constant(&ast) {
            match run(&ast, &reads, &[]) {
                Ok(v) => Plan::Constant(convert::from_jvalue(&v)),
                // An error is raised again at run time, where it belongs.
                Err(_) => Plan::General,
            }
        } else {
            Plan::General
        };
        Ok(Expression {
            text: text.into(),
            ast,
            reads,
            plan,
            rewrite,
        })
    }

    /// The expression's text, as AWS quotes it in causes.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The first reference AWS refuses when it accepts a definition, with AWS's message: a field
    /// name read from the (absent) context at the top level, `$` at the top level, or `$$`.
    pub fn unsupported_reference(&self) -> Option<String> {
        analysis::unsupported_reference(&self.ast)
    }

    /// Whether the expression names `$states.<member>` (`"errorOutput"`, `"result"`, ...). A bare
    /// `$states` names no member.
    pub fn reads_states_member(&self, member: &str) -> bool {
        self.reads.states_members.iter().any(|m| &**m == member)
    }

    /// Evaluates the expression. `Ok(None)` is JSONata's `undefined` (no value).
    pub fn evaluate(&self, env: &Env<'_>) -> Result<Option<Value>, EvalError> {
        self.evaluate_bound(env, &self.reads, &mut None)
    }

    /// Evaluates the expression written in field `field` (AWS's name for it, such as `Output`,
    /// `Output/FunctionResult`, `Items`). Every failure is a `States.QueryEvaluationError` whose
    /// cause names the expression and the field; no value at all is a failure too (AWS: "JSON
    /// cannot represent an undefined value expression, so the expression {% $data.thisFieldDoesNotExist %}
    /// would result in an error").
    pub fn evaluate_field(&self, env: &Env<'_>, field: &str) -> Result<Value, StatesError> {
        self.field_result(self.evaluate(env), field)
    }

    /// Like [`evaluate_field`](Self::evaluate_field), and the value must be of JSON type `expected`
    /// (`"array"`, `"object"`, `"string"`, `"number"`, `"boolean"`, `"null"`).
    pub fn evaluate_field_as(
        &self,
        env: &Env<'_>,
        field: &str,
        expected: &str,
    ) -> Result<Value, StatesError> {
        let value = self.evaluate_field(env, field)?;
        if value.type_name() == expected {
            Ok(value)
        } else {
            Err(self.unexpected_type(field, expected, &value))
        }
    }

    /// The error for a value of the wrong type, as AWS words it (recorded:
    /// base-scenarios--map-state-items-eval-jsonata-fail-*): "The JSONata expression 'true'
    /// specified for the field 'Items' returned an unexpected result type. Expected 'array', but
    /// was 'boolean' for value: true".
    pub fn unexpected_type(&self, field: &str, expected: &str, value: &Value) -> StatesError {
        StatesError::query(format!(
            "{} returned an unexpected result type. Expected '{expected}', but was '{}' for value: {}",
            self.subject(field),
            value.type_name(),
            value.to_json_string()
        ))
    }

    fn subject(&self, field: &str) -> String {
        format!(
            "The JSONata expression '{}' specified for the field '{field}'",
            self.text
        )
    }

    fn field_result(
        &self,
        result: Result<Option<Value>, EvalError>,
        field: &str,
    ) -> Result<Value, StatesError> {
        match result {
            Ok(Some(value)) => Ok(value),
            Ok(None) => Err(StatesError::query(format!(
                "{} returned nothing (undefined).",
                self.subject(field)
            ))),
            Err(EvalError::UnsupportedResult) => Err(StatesError::query(format!(
                "{} returned an unsupported result type.",
                self.subject(field)
            ))),
            // AWS ends the sentence before a coded JSONata message ("... threw an error during
            // evaluation. T1006: Attempted to invoke a non-function", recorded) and joins an
            // uncoded one with a colon (Floci's measurements, issue #2736).
            Err(EvalError::Threw(message)) => {
                let joint = if messages::code(&message).is_some() {
                    ". "
                } else {
                    ": "
                };
                Err(StatesError::query(format!(
                    "{} threw an error during evaluation{joint}{message}",
                    self.subject(field)
                )))
            }
        }
    }

    /// Evaluates with the variables `reads` names bound; `bound` caches those bindings so that the
    /// expressions of one template share one copy of what they read.
    fn evaluate_bound(
        &self,
        env: &Env<'_>,
        reads: &Reads,
        bound: &mut Option<Vec<(String, JValue)>>,
    ) -> Result<Option<Value>, EvalError> {
        match &self.plan {
            Plan::Constant(result) => {
                return result
                    .clone()
                    .map_err(|Unsupported| EvalError::UnsupportedResult);
            }
            Plan::Path { variable, keys } => {
                if let Some(result) = read_path(env, variable, keys) {
                    return Ok(result);
                }
            }
            Plan::General => {}
        }
        let result = match self
            .rewrite
            .as_ref()
            .and_then(|rw| slot_bindings(env, rw).map(|b| (rw, b)))
        {
            Some((rw, bindings)) => run(&rw.ast, &rw.reads, &bindings),
            None => {
                let bindings = bound.get_or_insert_with(|| bind(reads, env));
                run(&self.ast, &self.reads, bindings)
            }
        };
        match result {
            Ok(value) => {
                convert::from_jvalue(&value).map_err(|Unsupported| EvalError::UnsupportedResult)
            }
            Err(e) => Err(EvalError::Threw(messages::normalize(e.message()))),
        }
    }
}

/// The bindings of a rewritten expression: each slot's value, and the other variables it reads.
/// `None` when a slot's path meets an array before its last member.
fn slot_bindings(env: &Env<'_>, rewrite: &Rewrite) -> Option<Vec<(String, JValue)>> {
    let mut bindings = Vec::with_capacity(rewrite.slots.len() + rewrite.reads.variables.len());
    for (i, slot) in rewrite.slots.iter().enumerate() {
        // An undefined value is left unbound: the synthetic variable then reads as undefined.
        if let Some(value) = resolve(env, &slot.variable, &slot.keys)? {
            bindings.push((analysis::Slot::name(i), convert::to_jvalue(value)));
        }
    }
    bindings.extend(bind(&rewrite.reads, env));
    Some(bindings)
}

/// Reads `$variable.k1.k2...` straight from the engine's values, as JSONata would: a member of an
/// object, nothing from a scalar, and a final array as it is. `None` when the answer needs
/// jsonata-core: a bare variable that is unbound (it may name a built-in function), or a value
/// before the last member that is an array (JSONata maps the step over it and flattens).
fn read_path(env: &Env<'_>, variable: &str, keys: &[Box<str>]) -> Option<Option<Value>> {
    resolve(env, variable, keys).map(|v| v.map(convert::normalize_numbers))
}

fn resolve<'a>(env: &Env<'a>, variable: &str, keys: &[Box<str>]) -> Option<Option<&'a Value>> {
    let (mut current, rest) = if variable == "states" {
        let (first, rest) = keys.split_first()?;
        let member = match &**first {
            "input" => Some(env.states.input),
            "context" => Some(env.states.context.context()),
            "result" => env.states.result,
            "errorOutput" => env.states.error_output,
            _ => None,
        };
        match member {
            Some(value) => (value, rest),
            None => return Some(None),
        }
    } else {
        match env.variable(variable) {
            Some(value) => (value, keys),
            None if keys.is_empty() => return None,
            None => return Some(None),
        }
    };
    for key in rest {
        current = match current {
            Value::Object(map) => match map.get(&**key) {
                Some(v) => v,
                None => return Some(None),
            },
            Value::Array(_) => return None,
            _ => return Some(None),
        };
    }
    Some(Some(current))
}

/// Copies of the variables `reads` names, pruned to the members read.
fn bind(reads: &Reads, env: &Env<'_>) -> Vec<(String, JValue)> {
    let mut bindings = Vec::with_capacity(reads.variables.len());
    for (name, need) in &reads.variables {
        if &**name == "states" {
            let states = env.states;
            let mut map = indexmap::IndexMap::new();
            let members = [
                ("input", Some(states.input)),
                (
                    "context",
                    need.member("context").map(|_| states.context.context()),
                ),
                ("result", states.result),
                ("errorOutput", states.error_output),
            ];
            for (key, value) in members {
                if let (Some(value), Some(need)) = (value, need.member(key)) {
                    map.insert(key.to_string(), convert::to_jvalue_pruned(value, need));
                }
            }
            bindings.push((name.to_string(), JValue::object(map)));
        } else if let Some(value) = env.variables.get(name) {
            bindings.push((name.to_string(), convert::to_jvalue_pruned(value, need)));
        }
    }
    bindings
}

/// Runs `ast` on jsonata-core with `bindings` and the Step Functions functions it names. There is
/// no context value: a JSONata state reads its input as `$states.input`.
fn run(
    ast: &AstNode,
    reads: &Reads,
    bindings: &[(String, JValue)],
) -> Result<JValue, EvaluatorError> {
    let mut context = Context::new();
    for (name, value) in bindings {
        context.bind(name.clone(), value.clone());
    }
    let options = EvaluatorOptions {
        timeout_ms: Some(EVALUATION_TIMEOUT_MS),
        ..EvaluatorOptions::default()
    };
    let mut evaluator = Evaluator::with_options(context, options);
    for &name in &reads.functions {
        let f = functions::host_fn(name);
        if functions::overrides_builtin(name) {
            evaluator.register_fn_override(name, f)?;
        } else {
            evaluator.register_fn(name, f)?;
        }
    }
    evaluator.evaluate(ast, &JValue::Undefined)
}

#[cfg(test)]
mod tests;

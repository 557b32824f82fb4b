//! Input and output processing, in both query languages.
//!
//! JSONPath: "InputPath → Parameters → (state work) → ResultSelector → ResultPath → OutputPath".
//! JSONata: "Arguments → (state work) → Output", with `$states.input`, `$states.result`,
//! `$states.errorOutput` and `$states.context`. `Assign` sees the variables as they were when the state
//! was entered, and its assignments take effect after the state.

use ::time::OffsetDateTime;

use super::context::{LazyContext, StateScope};
use super::run::Worked;
use crate::Value;
use crate::definition::model::{
    Assign, Catcher, Choice, ChoiceTest, Dynamic, Io, Kind, OptPath, State, Wait,
};
use crate::error::StatesError;
use crate::exec::jsonata_glue::{EvalExt, StatesBinding};
use crate::path::Path;

fn scope<'a>(input: &'a Value, ctx: &'a LazyContext<'a>, variables: &'a Value) -> StateScope<'a> {
    StateScope {
        input,
        context: ctx,
        variables,
    }
}

/// The `$states` binding of a JSONata evaluation (borrowed parts; nothing is built).
pub(crate) fn states_binding<'a>(
    ctx: &'a LazyContext<'a>,
    input: &'a Value,
    result: Option<&'a Value>,
    error_output: Option<&'a Value>,
) -> StatesBinding<'a> {
    StatesBinding {
        context: ctx,
        input,
        result,
        error_output,
    }
}

/// AWS's cause when a path in InputPath/OutputPath/ItemsPath selects nothing.
pub(crate) fn no_results(path: &Path) -> StatesError {
    StatesError::runtime(format!(
        "Invalid path '{}' : No results for path: {}",
        path.text(),
        path.normalized()
    ))
}

/// Applies an InputPath/OutputPath-style field.
pub(crate) fn select_path(
    field: &OptPath,
    value: &Value,
    ctx: &LazyContext<'_>,
    variables: &Value,
) -> Result<Value, StatesError> {
    match field {
        OptPath::Default => Ok(value.clone()),
        // "If the value of InputPath is null, that means that the raw input is discarded, and the effective
        // input for the state is an empty JSON object, {}."
        OptPath::Null => Ok(Value::object()),
        OptPath::Path(p) => p
            .resolve(&scope(value, ctx, variables))
            .ok_or_else(|| no_results(p)),
    }
}

/// Effective input: JSONPath InputPath + Parameters; JSONata Arguments.
pub(crate) fn prepare(
    state: &State,
    input: &Value,
    ctx: &LazyContext<'_>,
    variables: &Value,
) -> Result<Value, StatesError> {
    match &state.io {
        Io::JsonPath {
            input_path,
            parameters,
            ..
        } => {
            let effective = select_path(input_path, input, ctx, variables)?;
            match parameters {
                Some(t) => t.eval(&scope(&effective, ctx, variables)),
                None => Ok(effective),
            }
        }
        Io::Jsonata { arguments, .. } => match arguments {
            Some(t) => t.eval(&states_binding(ctx, input, None, None), variables),
            None => Ok(input.clone()),
        },
    }
}

/// `ResultPath`: where the result goes in the state's raw input.
pub(crate) fn apply_result_path(
    field: &OptPath,
    raw_input: &Value,
    result: Value,
) -> Result<Value, StatesError> {
    match field {
        OptPath::Default => Ok(result),
        // "If the value of ResultPath is null, that means that the state's result is discarded and its raw
        // input becomes its result."
        OptPath::Null => Ok(raw_input.clone()),
        // AWS reports `States.ReferencePathConflict: Unable to apply step "x" to input ...` here (the spec's
        // error list names States.ResultPathMatchFailure, but that is not what executions show).
        OptPath::Path(p) => p
            .assign(raw_input.clone(), result)
            .map_err(|e| e.to_result_path_error()),
    }
}

/// `Assign`: JSONPath reads `$` = `jsonpath_input`; JSONata reads `$states`.
fn eval_assign(
    assign: &Assign,
    jsonpath_input: &Value,
    states: &StatesBinding<'_>,
    variables: &Value,
) -> Result<Value, StatesError> {
    match assign {
        Assign::JsonPath(t) => t.eval(&scope(jsonpath_input, states.context, variables)),
        Assign::Jsonata(t) => t.eval(states, variables),
    }
}

/// Output processing after the work succeeded: returns the output, the variables assigned and the next
/// state (`None` to end).
pub(crate) fn finish(
    state: &State,
    raw_input: &Value,
    effective: &Value,
    worked: Worked,
    ctx: &LazyContext<'_>,
    variables: &Value,
) -> Result<(Value, Option<Value>, Option<usize>), StatesError> {
    let (next, rule) = match (&state.kind, worked.choice) {
        (Kind::Choice(choice), Some(Some(i))) => {
            (Some(choice.rules[i].next), Some(&choice.rules[i]))
        }
        (Kind::Choice(choice), _) => (choice.default, None),
        _ => (state.next, None),
    };
    let assign = rule
        .and_then(|r| r.assign.as_ref())
        .or(state.assign.as_ref());
    let has_result = matches!(
        state.kind,
        Kind::Task(_) | Kind::Parallel { .. } | Kind::Map(_) | Kind::Pass { .. }
    );
    match &state.io {
        Io::JsonPath {
            result_selector,
            result_path,
            output_path,
            ..
        } => {
            let mut result = worked.result;
            if let Some(t) = result_selector {
                result = t.eval(&scope(&result, ctx, variables))?;
            }
            let assigned = match assign {
                Some(a) => Some(eval_assign(
                    a,
                    &result,
                    &states_binding(ctx, raw_input, None, None),
                    variables,
                )?),
                None => None,
            };
            let combined = if has_result {
                apply_result_path(result_path, raw_input, result)?
            } else {
                result
            };
            let output = select_path(output_path, &combined, ctx, variables)?;
            Ok((output, assigned, next))
        }
        Io::Jsonata { output, .. } => {
            let result = has_result.then_some(&worked.result);
            let states = states_binding(ctx, raw_input, result, None);
            let assigned = match assign {
                Some(a) => Some(eval_assign(a, effective, &states, variables)?),
                None => None,
            };
            let output_template = rule.and_then(|r| r.output.as_ref()).or(output.as_ref());
            let out = match output_template {
                Some(t) => t.eval(&states, variables)?,
                None if matches!(
                    state.kind,
                    Kind::Task(_) | Kind::Parallel { .. } | Kind::Map(_)
                ) =>
                {
                    worked.result
                }
                None => raw_input.clone(),
            };
            Ok((out, assigned, next))
        }
    }
}

/// Output of a state whose error a Catcher handled, and the variables the Catcher assigns.
pub(crate) fn caught(
    state: &State,
    catcher: &Catcher,
    raw_input: &Value,
    e: &StatesError,
    ctx: &LazyContext<'_>,
    variables: &Value,
) -> Result<(Value, Option<Value>), StatesError> {
    let error_output = e.to_error_output();
    match &state.io {
        Io::JsonPath { .. } => {
            let assigned = match &catcher.assign {
                Some(a) => Some(eval_assign(
                    a,
                    &error_output,
                    &states_binding(ctx, raw_input, None, None),
                    variables,
                )?),
                None => None,
            };
            let output = apply_result_path(&catcher.result_path, raw_input, error_output)?;
            Ok((output, assigned))
        }
        Io::Jsonata { .. } => {
            let states = states_binding(ctx, raw_input, None, Some(&error_output));
            let assigned = match &catcher.assign {
                Some(a) => Some(eval_assign(a, &error_output, &states, variables)?),
                None => None,
            };
            let output = match &catcher.output {
                Some(t) => t.eval(&states, variables)?,
                None => error_output,
            };
            Ok((output, assigned))
        }
    }
}

/// Evaluates a literal / `...Path` / intrinsic / JSONata field.
pub(crate) fn dynamic(
    d: &Dynamic,
    field: &str,
    raw_input: &Value,
    effective: &Value,
    ctx: &LazyContext<'_>,
    variables: &Value,
) -> Result<Value, StatesError> {
    match d {
        Dynamic::Literal(v) => Ok(v.clone()),
        Dynamic::Path(p) => p.resolve(&scope(effective, ctx, variables)).ok_or_else(|| {
            StatesError::runtime(format!(
                "The JSONPath '{}' specified for the field '{field}' could not be found in the input '{}'",
                p.text(),
                effective.to_json_string()
            ))
        }),
        Dynamic::Intrinsic(i) => i.eval(&scope(effective, ctx, variables)),
        Dynamic::Jsonata(t) => t.eval(&states_binding(ctx, raw_input, None, None), variables),
    }
}

/// The error a Fail state raises.
pub(crate) fn fail_error(
    error: Option<&Dynamic>,
    cause: Option<&Dynamic>,
    raw_input: &Value,
    effective: &Value,
    ctx: &LazyContext<'_>,
    variables: &Value,
) -> Result<StatesError, StatesError> {
    let text = |d: Option<&Dynamic>,
                field: &str,
                path_field: &str|
     -> Result<Option<String>, StatesError> {
        let Some(d) = d else { return Ok(None) };
        let field = if matches!(d, Dynamic::Path(_) | Dynamic::Intrinsic(_)) {
            path_field
        } else {
            field
        };
        let v = dynamic(d, field, raw_input, effective, ctx, variables)?;
        Ok(Some(match v {
            Value::String(s) => s.to_string(),
            other => other.to_json_string(),
        }))
    };
    Ok(StatesError {
        error: text(error, "Error", "ErrorPath")?.unwrap_or_default(),
        cause: text(cause, "Cause", "CausePath")?,
    })
}

/// The index of the first Choice rule that matches, or `None`.
pub(crate) fn choose(
    choice: &Choice,
    raw_input: &Value,
    effective: &Value,
    ctx: &LazyContext<'_>,
    variables: &Value,
) -> Result<Option<usize>, StatesError> {
    for (i, rule) in choice.rules.iter().enumerate() {
        let matched = match &rule.test {
            ChoiceTest::JsonPath(c) => c.evaluate(&scope(effective, ctx, variables))?,
            ChoiceTest::Jsonata(t) => {
                let v = t.eval_as(
                    &states_binding(ctx, raw_input, None, None),
                    variables,
                    "boolean",
                )?;
                v.as_bool().unwrap_or(false)
            }
        };
        if matched {
            return Ok(Some(i));
        }
    }
    Ok(None)
}

/// When a Wait state ends.
pub(crate) fn wait_deadline(
    wait: &Wait,
    raw_input: &Value,
    effective: &Value,
    ctx: &LazyContext<'_>,
    variables: &Value,
    entered: OffsetDateTime,
) -> Result<OffsetDateTime, StatesError> {
    match wait {
        Wait::Seconds(d) => {
            let v = dynamic(d, "Seconds", raw_input, effective, ctx, variables)?;
            match v.as_i64() {
                Some(s) if s >= 0 => Ok(entered + ::time::Duration::seconds(s)),
                _ => Err(match d {
                    Dynamic::Path(p) => StatesError::runtime(format!(
                        "The SecondsPath parameter does not reference a valid integer value: {} == {}",
                        p.text(),
                        v
                    )),
                    _ => StatesError::query(format!(
                        "The Seconds field must evaluate to a non-negative integer, but was {} for value: {}",
                        v.type_name(),
                        v
                    )),
                }),
            }
        }
        Wait::Timestamp(d) => {
            let v = dynamic(d, "Timestamp", raw_input, effective, ctx, variables)?;
            match v.as_str().and_then(super::time::parse_timestamp) {
                Some(t) => Ok(t),
                None => Err(match d {
                    Dynamic::Path(p) => StatesError::runtime(format!(
                        "The TimestampPath parameter does not reference a valid ISO-8601 extended offset date-time format string: {} == {}",
                        p.text(),
                        v.as_str()
                            .map(str::to_string)
                            .unwrap_or_else(|| v.to_json_string())
                    )),
                    _ => StatesError::query(format!(
                        "The Timestamp field does not evaluate to a valid ISO-8601 extended offset date-time format string: {v}"
                    )),
                }),
            }
        }
    }
}

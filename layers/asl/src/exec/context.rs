//! The context object (`$$`, `$states.context`) and the scope that paths resolve in while a state runs.
//!
//! The context object is built only when a state reads it: the execution part once per execution, the
//! state part on first use in each state.

use std::sync::OnceLock;

use time::OffsetDateTime;

use super::object;
use super::time::format_timestamp;
use crate::Value;
use crate::path::{Root, Scope};
use crate::value::Str;

/// The parts of the context object that are fixed for a whole execution.
pub(crate) struct ExecutionContext {
    /// `{"Id", "Input", "Name", "RoleArn", "StartTime", "RedriveCount"}`.
    pub execution: Value,
    /// `{"Id", "Name"}`.
    pub state_machine: Value,
    /// The state machine's name (Distributed Map children are named after it).
    state_machine_name: Str,
}

impl ExecutionContext {
    pub fn new(
        arn: &str,
        name: &str,
        sm_arn: &str,
        sm_name: &str,
        role_arn: &str,
        start: OffsetDateTime,
        input: Value,
    ) -> ExecutionContext {
        ExecutionContext {
            execution: object([
                ("Id", Value::string(arn)),
                ("Input", input),
                ("StartTime", Value::string(format_timestamp(start))),
                ("Name", Value::string(name)),
                ("RoleArn", Value::string(role_arn)),
                ("RedriveCount", Value::int(0)),
            ]),
            state_machine: object([
                ("Id", Value::string(sm_arn)),
                ("Name", Value::string(sm_name)),
            ]),
            state_machine_name: sm_name.into(),
        }
    }

    pub fn state_machine_name(&self) -> &str {
        &self.state_machine_name
    }
}

/// What the context object says about the state now running.
#[derive(Clone)]
pub(crate) struct StateContext {
    pub name: Str,
    pub entered: OffsetDateTime,
    pub retry_count: u32,
    pub task_token: Option<Str>,
    /// `$$.Map.Item` while a Map evaluates its ItemSelector.
    pub map_item: Option<(usize, Value)>,
}

/// Builds the context object on first use.
pub(crate) struct LazyContext<'a> {
    pub execution: &'a ExecutionContext,
    pub state: &'a StateContext,
    cell: OnceLock<Value>,
}

impl<'a> LazyContext<'a> {
    pub fn new(execution: &'a ExecutionContext, state: &'a StateContext) -> LazyContext<'a> {
        LazyContext {
            execution,
            state,
            cell: OnceLock::new(),
        }
    }

    /// The value at field names `names`, from the whole object when it is built, else from the one part
    /// they name (`$$.Map.Item.Value` costs no allocation).
    pub fn fields(&self, names: &[Str]) -> Option<Value> {
        let walk = |mut v: Value, rest: &[Str]| {
            for name in rest {
                v = v.get(name)?.clone();
            }
            Some(v)
        };
        if let Some(whole) = self.cell.get() {
            return walk(whole.clone(), names);
        }
        let s = self.state;
        let (first, rest) = names.split_first()?;
        match &**first {
            "Execution" => walk(self.execution.execution.clone(), rest),
            "StateMachine" => walk(self.execution.state_machine.clone(), rest),
            "Map" => {
                let (index, value) = s.map_item.as_ref()?;
                match rest {
                    [item, field, more @ ..] if &**item == "Item" => match &**field {
                        "Value" => walk(value.clone(), more),
                        "Index" if more.is_empty() => Some(Value::int(*index as i64)),
                        _ => None,
                    },
                    _ => walk(map_member(&(*index, value.clone())), rest),
                }
            }
            _ => walk(self.get().clone(), names),
        }
    }

    pub fn get(&self) -> &Value {
        self.cell.get_or_init(|| {
            let s = self.state;
            let mut pairs = vec![
                ("Execution", self.execution.execution.clone()),
                (
                    "State",
                    object([
                        ("EnteredTime", Value::string(format_timestamp(s.entered))),
                        ("Name", Value::String(s.name.clone())),
                        ("RetryCount", Value::int(s.retry_count as i64)),
                    ]),
                ),
                ("StateMachine", self.execution.state_machine.clone()),
            ];
            if let Some(token) = &s.task_token {
                pairs.push(("Task", object([("Token", Value::String(token.clone()))])));
            }
            if let Some(item) = &s.map_item {
                pairs.push(("Map", map_member(item)));
            }
            object(pairs)
        })
    }
}

/// `$$.Map`: `{"Item": {"Index": i, "Value": v}}`.
fn map_member((index, value): &(usize, Value)) -> Value {
    object([(
        "Item",
        object([
            ("Index", Value::int(*index as i64)),
            ("Value", value.clone()),
        ]),
    )])
}

/// The scope of one evaluation: `$` is `input`, `$$` the context object, `$name` a variable.
pub(crate) struct StateScope<'a> {
    pub input: &'a Value,
    pub context: &'a LazyContext<'a>,
    pub variables: &'a Value,
}

impl Scope for StateScope<'_> {
    fn root(&self, root: &Root) -> Option<Value> {
        match root {
            Root::Input => Some(self.input.clone()),
            Root::Context => Some(self.context.get().clone()),
            Root::Variable(name) => self.variables.get(name).cloned(),
        }
    }

    fn context_fields(&self, names: &[Str]) -> Option<Option<Value>> {
        Some(self.context.fields(names))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::path::Path;

    /// The shortcut through `fields` finds exactly what a path finds in the whole context object.
    #[test]
    fn context_fields_agree_with_the_whole_object() {
        let execution = ExecutionContext::new(
            "arn:aws:states:us-east-1:1:execution:M:e",
            "e",
            "arn:aws:states:us-east-1:1:stateMachine:M",
            "M",
            "arn:aws:iam::1:role/R",
            OffsetDateTime::UNIX_EPOCH,
            crate::json!({"a": [1, {"b": 2}]}),
        );
        let state = StateContext {
            name: "S".into(),
            entered: OffsetDateTime::UNIX_EPOCH,
            retry_count: 2,
            task_token: Some("tok".into()),
            map_item: Some((3, crate::json!({"id": "x", "list": [7, 8]}))),
        };
        let paths = [
            "$$.Map.Item.Value",
            "$$.Map.Item.Value.id",
            "$$.Map.Item.Value.list[1]",
            "$$.Map.Item.Value.missing",
            "$$.Map.Item.Index",
            "$$.Map.Item.Index.x",
            "$$.Map.Item",
            "$$.Map",
            "$$.Map.Other",
            "$$.Execution.Input.a[1].b",
            "$$.Execution.Name",
            "$$.StateMachine.Id",
            "$$.State.RetryCount",
            "$$.Task.Token",
            "$$.Nothing",
        ];
        for text in paths {
            let path = Path::parse(text).unwrap();
            let variables = Value::object();
            let lazy = LazyContext::new(&execution, &state);
            let fast = path.resolve(&StateScope {
                input: &Value::Null,
                context: &lazy,
                variables: &variables,
            });
            let whole = LazyContext::new(&execution, &state);
            let slow = path.select(whole.get());
            assert_eq!(fast, slow, "{text}");
        }
    }
}

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

    /// One top-level member, from the whole object when it is built, else built alone.
    pub fn member(&self, name: &str) -> Option<Value> {
        if let Some(whole) = self.cell.get() {
            return whole.get(name).cloned();
        }
        let s = self.state;
        match name {
            "Execution" => Some(self.execution.execution.clone()),
            "StateMachine" => Some(self.execution.state_machine.clone()),
            "Map" => s.map_item.as_ref().map(map_member),
            "Task" => s
                .task_token
                .as_ref()
                .map(|t| object([("Token", Value::String(t.clone()))])),
            _ => self.get().get(name).cloned(),
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

    fn context_member(&self, name: &str) -> Option<Option<Value>> {
        Some(self.context.member(name))
    }
}

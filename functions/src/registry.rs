//! The one registry of task functions, by handler name.

use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;

use soar_json::Value;

use crate::{Services, TaskError};

/// A running task.
pub type TaskFuture<'a> = Pin<Box<dyn Future<Output = Result<Value, TaskError>> + Send + 'a>>;

/// A task function: services and input in, output or error out.
pub type TaskFn = for<'a> fn(&'a Services, Value) -> TaskFuture<'a>;

/// Every task by its handler name (the `Handler` of its function in template.yaml).
#[derive(Clone)]
pub struct Registry {
    tasks: BTreeMap<&'static str, TaskFn>,
}

/// Wraps `async fn name(&Services, Value) -> Result<Value, TaskError>` as a [`TaskFn`].
macro_rules! task {
    ($path:path) => {{
        fn call<'a>(services: &'a Services, input: Value) -> TaskFuture<'a> {
            Box::pin($path(services, input))
        }
        call as TaskFn
    }};
}

impl Registry {
    /// Every SOAR task.
    pub fn soar() -> Registry {
        use crate::{ai, core, remediations, securityhub, tickets};
        let tasks: Vec<(&'static str, TaskFn)> = vec![
            ("set_up_scratchpad", task!(core::set_up_scratchpad::run)),
            ("get_account_data", task!(core::get_account_data::run)),
            (
                "compute_penalty_score",
                task!(core::compute_penalty_score::run),
            ),
            (
                "aws_health_reclassifier",
                task!(securityhub::aws_health_reclassifier::run),
            ),
            (
                "account_reassignment_preprocessor",
                task!(securityhub::account_reassignment_preprocessor::run),
            ),
            (
                "all_alarms_to_sec_hub",
                task!(securityhub::all_alarms_to_sec_hub::run),
            ),
            (
                "suppress_finding",
                task!(securityhub::suppress_finding::run),
            ),
            (
                "update_remediated_finding",
                task!(securityhub::update_remediated_finding::run),
            ),
            (
                "update_ticketed_finding",
                task!(securityhub::update_ticketed_finding::run),
            ),
            ("suppress_locally", task!(tickets::suppress_locally::run)),
            (
                "get_ticket_and_decide",
                task!(tickets::get_ticket_and_decide::run),
            ),
            ("open_ticket", task!(tickets::open_ticket::run)),
            ("close_ticket", task!(tickets::close_ticket::run)),
            ("send_email", task!(tickets::send_email::run)),
            ("record_rejection", task!(tickets::record_rejection::run)),
            ("remediate", task!(remediations::run)),
            ("analyze_incident", task!(ai::analyze_incident::run)),
        ];
        Registry {
            tasks: tasks.into_iter().collect(),
        }
    }

    /// The retryable errors the task registered as `handler` raises, besides the Lambda service's own:
    /// every Task state that calls it must retry them (tests/template.rs checks every state machine).
    pub fn retryable_errors(&self, handler: &str) -> &'static [&'static str] {
        use crate::names::DYNAMODB_THROTTLING;
        use crate::securityhub::TOO_MANY_REQUESTS;
        match handler {
            "set_up_scratchpad" | "aws_health_reclassifier" | "compute_penalty_score" => &[],
            "account_reassignment_preprocessor"
            | "all_alarms_to_sec_hub"
            | "suppress_finding"
            | "update_remediated_finding"
            | "update_ticketed_finding" => &[TOO_MANY_REQUESTS, DYNAMODB_THROTTLING],
            "remediate" => crate::remediations::RETRYABLE,
            "analyze_incident" => &[crate::ai::names::THROTTLING],
            _ => &[DYNAMODB_THROTTLING],
        }
    }

    /// The task registered as `handler`.
    pub fn get(&self, handler: &str) -> Option<TaskFn> {
        self.tasks.get(handler).copied()
    }

    /// Every handler name, sorted.
    pub fn handlers(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.tasks.keys().copied()
    }

    /// Runs the task registered as `handler`.
    pub async fn call(
        &self,
        handler: &str,
        services: &Services,
        input: Value,
    ) -> Result<Value, TaskError> {
        match self.get(handler) {
            Some(task) => task(services, input).await,
            None => Err(TaskError::new(
                "SOAR.UnknownHandler",
                format!("no task function is registered as '{handler}'"),
            )),
        }
    }
}

//! The registry on Lambda: one bootstrap binary serves every function of template.yaml, and the
//! function's `Handler` (which Lambda passes as `_HANDLER`) picks the task. The payload is the same
//! JSON the local engine hands the task, and a [`TaskError`] reaches Step Functions as the Lambda
//! error's `errorType` and `errorMessage`: the names the state machines' Retry and Catch match.

use lambda_runtime::{Diagnostic, LambdaEvent};
use soar_json::Value as Json;

use crate::{Registry, Services, TaskError};

/// One function's task, ready to answer invocations.
pub struct LambdaTask {
    registry: Registry,
    services: Services,
    handler: String,
}

/// A `_HANDLER` that names no task of the registry.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("_HANDLER is {handler:?}, which names no task; the handlers are: {known}")]
pub struct UnknownHandler {
    /// The handler asked for.
    pub handler: String,
    /// Every handler of the registry, comma-separated.
    pub known: String,
}

impl LambdaTask {
    /// The task `handler` of `registry`, run with `services`; an unknown handler fails here, at cold
    /// start, rather than at every invocation.
    pub fn new(
        registry: Registry,
        services: Services,
        handler: &str,
    ) -> Result<LambdaTask, UnknownHandler> {
        if registry.get(handler).is_none() {
            return Err(UnknownHandler {
                handler: handler.to_owned(),
                known: registry.handlers().collect::<Vec<_>>().join(", "),
            });
        }
        Ok(LambdaTask {
            registry,
            services,
            handler: handler.to_owned(),
        })
    }

    /// Answers one invocation.
    pub async fn handle(&self, event: LambdaEvent<Json>) -> Result<Json, Diagnostic> {
        self.registry
            .call(&self.handler, &self.services, event.payload)
            .await
            .map_err(Diagnostic::from)
    }
}

impl From<TaskError> for Diagnostic {
    fn from(error: TaskError) -> Diagnostic {
        Diagnostic {
            error_type: error.error,
            error_message: error.cause,
        }
    }
}

#[cfg(test)]
mod tests {
    use lambda_runtime::Context;

    use super::*;
    use crate::testing::{finding, services};

    fn invocation(payload: serde_json::Value) -> LambdaEvent<Json> {
        LambdaEvent::new(Json::from(payload), Context::default())
    }

    #[tokio::test]
    async fn an_invocation_runs_the_task_named_by_the_handler() {
        let task = LambdaTask::new(Registry::soar(), services(), "set_up_scratchpad").unwrap();
        let event = serde_json::json!({"detail": {"findings": [finding()]}});
        let out = task.handle(invocation(event)).await.unwrap();
        assert_eq!(out["finding"]["Id"], finding()["Id"]);
        assert_eq!(out["messages"]["actions_taken"], "None.");
    }

    /// Step Functions matches Retry and Catch on `errorType`: it must be the task's error name.
    #[tokio::test]
    async fn a_task_error_becomes_the_lambda_error_type() {
        let task = LambdaTask::new(Registry::soar(), services(), "set_up_scratchpad").unwrap();
        let err = task
            .handle(invocation(serde_json::json!({"Id": "only-an-id"})))
            .await
            .unwrap_err();
        assert_eq!(err.error_type, crate::names::INVALID_FINDING);
        assert!(
            err.error_message.contains("/SchemaVersion"),
            "{}",
            err.error_message
        );
    }

    #[test]
    fn an_unknown_handler_fails_at_cold_start_naming_the_known_ones() {
        let err = LambdaTask::new(Registry::soar(), services(), "bootstrap.handler")
            .err()
            .unwrap();
        assert_eq!(err.handler, "bootstrap.handler");
        assert!(err.known.contains("get_ticket_and_decide"), "{err}");
    }
}

//! Task states: mocked responses, Lambda (function ARNs and `lambda:invoke` with AWS's result envelope),
//! `states:startExecution` (`.sync`, `.sync:2`) on this engine, `.waitForTaskToken`, timeouts and heartbeats.
//! Everything else goes to the [`TaskResolver`](crate::resolver::TaskResolver).

use std::sync::Arc;

use tokio::sync::mpsc;

use super::context::{LazyContext, StateContext};
use super::io::dynamic;
use super::mock::MockResponse;
use super::run::{Run, failed};
use super::{ExecutionOptions, TokenMessage, object};
use crate::Value;
use crate::definition::model::{State, Task};
use crate::error::{StatesError, names};
use crate::history::Details;
use crate::resolver::{Target, TaskCall};
use crate::value::Str;

const LAMBDA_INVOKE: &str = "arn:aws:states:::lambda:invoke";
const START_EXECUTION: &str = "arn:aws:states:::states:startExecution";
const WAIT_FOR_TASK_TOKEN: &str = ".waitForTaskToken";

/// The integration a resource names.
#[derive(Debug, PartialEq, Eq)]
enum Integration<'a> {
    /// `arn:aws:lambda:REGION:ACCOUNT:function:NAME`
    LambdaArn(&'a str),
    /// `arn:aws:states:::lambda:invoke`
    LambdaInvoke,
    /// `arn:aws:states:::states:startExecution` and its `.sync`/`.sync:2` forms.
    StartExecution { sync: bool, json_output: bool },
    /// Anything else.
    Other,
}

fn integration(resource: &str) -> Integration<'_> {
    let base = resource
        .strip_suffix(WAIT_FOR_TASK_TOKEN)
        .unwrap_or(resource);
    if resource.starts_with("arn:aws")
        && resource.contains(":lambda:")
        && resource.contains(":function:")
    {
        Integration::LambdaArn(resource)
    } else if base == LAMBDA_INVOKE {
        Integration::LambdaInvoke
    } else if base == START_EXECUTION {
        Integration::StartExecution {
            sync: false,
            json_output: false,
        }
    } else if base == format!("{START_EXECUTION}.sync") {
        Integration::StartExecution {
            sync: true,
            json_output: false,
        }
    } else if base == format!("{START_EXECUTION}.sync:2") {
        Integration::StartExecution {
            sync: true,
            json_output: true,
        }
    } else {
        Integration::Other
    }
}

/// History's `resourceType` and `resource` for a service-integration ARN (`arn:aws:states:::lambda:invoke`
/// → `lambda`, `invoke`).
fn resource_parts(resource: &str) -> (Str, Str) {
    match resource.strip_prefix("arn:aws:states:::") {
        Some(rest) => {
            // The integration pattern (`.sync`, `.sync:2`, `.waitForTaskToken`) belongs to the resource.
            let (base, pattern) = rest.find('.').map_or((rest, ""), |i| rest.split_at(i));
            match base.rsplit_once(':') {
                Some((ty, res)) => (ty.into(), format!("{res}{pattern}").into()),
                None => (base.into(), pattern.into()),
            }
        }
        None => ("lambda".into(), resource.into()),
    }
}

impl Run {
    #[allow(clippy::too_many_arguments)]
    pub(crate) async fn task(
        self: &Arc<Self>,
        state: &State,
        task: &Task,
        raw_input: &Value,
        effective: Value,
        sctx: &mut StateContext,
        variables: &Value,
        last: &mut u64,
    ) -> Result<Value, StatesError> {
        let seconds = |d: &Option<crate::definition::model::Dynamic>,
                       field: &str,
                       sctx: &StateContext|
         -> Result<Option<u64>, StatesError> {
            let Some(d) = d else { return Ok(None) };
            let ctx = LazyContext::new(&self.context, sctx);
            let v = dynamic(d, field, raw_input, raw_input, &ctx, variables)?;
            match v.as_i64() {
                Some(s) if s > 0 => Ok(Some(s as u64)),
                _ => Err(StatesError::runtime(format!(
                    "The {field} value must be a positive integer, but was {v}"
                ))),
            }
        };
        let timeout = seconds(&task.timeout, "TimeoutSeconds", sctx)?;
        let heartbeat = seconds(&task.heartbeat, "HeartbeatSeconds", sctx)?;
        let resource = &*task.resource;
        let waits_for_token = resource.ends_with(WAIT_FOR_TASK_TOKEN);
        let lambda_arn = matches!(integration(resource), Integration::LambdaArn(_));
        let (resource_type, resource_name) = resource_parts(resource);

        if lambda_arn {
            *last = self.record(*last, "LambdaFunctionScheduled", || {
                Details::LambdaFunctionScheduled {
                    resource: resource.into(),
                    input: effective.clone(),
                    timeout_seconds: timeout,
                }
            })?;
            *last = self.record(*last, "LambdaFunctionStarted", || Details::None)?;
        } else {
            *last = self.record(*last, "TaskScheduled", || Details::TaskScheduled {
                resource_type: resource_type.clone(),
                resource: resource_name.clone(),
                parameters: effective.clone(),
                timeout_seconds: timeout,
                heartbeat_seconds: heartbeat,
            })?;
            *last = self.record(*last, "TaskStarted", || Details::TaskStarted {
                resource_type: resource_type.clone(),
                resource: resource_name.clone(),
            })?;
        }

        // The run loop issued this attempt's token before evaluating Parameters (which may read it).
        let token_rx = match (&sctx.task_token, waits_for_token) {
            (Some(token), true) => {
                let (tx, rx) = mpsc::unbounded_channel();
                self.engine
                    .inner
                    .tokens
                    .lock()
                    .expect("token lock")
                    .insert(token.to_string(), tx);
                Some(rx)
            }
            _ => None,
        };
        let clock = self.engine.inner.clock.clone();
        let started = clock.now();
        let call = self.call(state, resource, effective, sctx, token_rx, heartbeat);
        let outcome = match timeout {
            Some(t) => {
                let deadline = started + ::time::Duration::seconds(t as i64);
                tokio::select! {
                    biased;
                    r = call => r,
                    _ = clock.sleep_until(deadline) => Err(StatesError::bare(names::TIMEOUT)),
                }
            }
            None => call.await,
        };
        if let Some(token) = &sctx.task_token {
            self.engine
                .inner
                .tokens
                .lock()
                .expect("token lock")
                .remove(&**token);
        }

        match &outcome {
            Ok(output) if lambda_arn => {
                *last = self.record(*last, "LambdaFunctionSucceeded", || {
                    Details::LambdaFunctionSucceeded {
                        output: output.clone(),
                    }
                })?;
            }
            Ok(output) => {
                *last = self.record(*last, "TaskSucceeded", || Details::TaskSucceeded {
                    resource_type: resource_type.clone(),
                    resource: resource_name.clone(),
                    output: output.clone(),
                })?;
            }
            Err(e) => {
                let timed_out = e.error == names::TIMEOUT || e.error == names::HEARTBEAT_TIMEOUT;
                let (ty, key) = match (lambda_arn, timed_out) {
                    (true, true) => (
                        "LambdaFunctionTimedOut",
                        "lambdaFunctionTimedOutEventDetails",
                    ),
                    (true, false) => ("LambdaFunctionFailed", "lambdaFunctionFailedEventDetails"),
                    (false, true) => ("TaskTimedOut", "taskTimedOutEventDetails"),
                    (false, false) => ("TaskFailed", "taskFailedEventDetails"),
                };
                let res = (!lambda_arn).then(|| (resource_type.clone(), resource_name.clone()));
                *last = self.record(*last, ty, || failed(key, e, res))?;
            }
        }
        outcome
    }

    /// Invokes the resource (or its mock), then, for `.waitForTaskToken`, waits for the token.
    async fn call(
        self: &Arc<Self>,
        state: &State,
        resource: &str,
        input: Value,
        sctx: &StateContext,
        token_rx: Option<super::TokenReceiver>,
        heartbeat: Option<u64>,
    ) -> Result<Value, StatesError> {
        if let Some(mocked) = self.mocked(&state.name) {
            return mocked;
        }
        let token = sctx.task_token.as_deref();
        let result = match integration(resource) {
            Integration::LambdaArn(arn) => {
                self.invoke(&state.name, Target::Function(arn), input, token)
                    .await?
            }
            Integration::LambdaInvoke => {
                let function = input.get("FunctionName").and_then(Value::as_str).ok_or_else(|| {
                    StatesError::runtime(format!(
                        "The field 'FunctionName' is required by {resource} but is missing from the parameters '{input}'"
                    ))
                })?;
                let payload = input.get("Payload").cloned().unwrap_or_else(Value::object);
                let result = self
                    .invoke(&state.name, Target::Function(function), payload, token)
                    .await?;
                lambda_envelope(result)
            }
            Integration::StartExecution { sync, json_output } => {
                if token.is_some() {
                    self.start_child(state, input, false, false).await?
                } else {
                    self.start_child(state, input, sync, json_output).await?
                }
            }
            Integration::Other => {
                self.invoke(&state.name, Target::Resource(resource), input, token)
                    .await?
            }
        };
        match token_rx {
            None => Ok(result),
            Some(rx) => self.wait_for_token(rx, heartbeat).await,
        }
    }

    async fn invoke(
        &self,
        state: &str,
        target: Target<'_>,
        input: Value,
        token: Option<&str>,
    ) -> Result<Value, StatesError> {
        let call = TaskCall {
            state,
            target,
            input,
            task_token: token,
        };
        self.engine.inner.resolver.invoke(call).await
    }

    async fn wait_for_token(
        &self,
        mut rx: super::TokenReceiver,
        heartbeat: Option<u64>,
    ) -> Result<Value, StatesError> {
        let clock = self.engine.inner.clock.clone();
        loop {
            let message = match heartbeat {
                Some(h) => {
                    let deadline = clock.now() + ::time::Duration::seconds(h as i64);
                    tokio::select! {
                        biased;
                        m = rx.recv() => m,
                        _ = clock.sleep_until(deadline) => return Err(StatesError::bare(names::HEARTBEAT_TIMEOUT)),
                    }
                }
                None => rx.recv().await,
            };
            match message {
                Some(TokenMessage::Heartbeat) => continue,
                Some(TokenMessage::Done(outcome)) => return outcome,
                None => {
                    return Err(StatesError::new(
                        names::TASK_FAILED,
                        "the task token was dropped",
                    ));
                }
            }
        }
    }

    /// The mocked response for this invocation of `state`, if the test case mocks it.
    fn mocked(&self, state: &str) -> Option<Result<Value, StatesError>> {
        let mock = self.mock.as_ref()?;
        let responses = mock.responses_for(state)?;
        let attempt = {
            let mut calls = self.mock_calls.lock().expect("mock lock");
            let n = calls.entry(state.into()).or_insert(0);
            let attempt = *n;
            *n += 1;
            attempt
        };
        Some(match responses.at(attempt) {
            Some(MockResponse::Return(v)) => Ok(v.clone()),
            Some(MockResponse::Throw { error, cause }) => Err(StatesError {
                error: error.clone(),
                cause: cause.clone(),
            }),
            None => Err(StatesError::new(
                names::TASK_FAILED,
                format!(
                    "the mock configuration has no response for invocation {attempt} of state '{state}'"
                ),
            )),
        })
    }

    /// `states:startExecution`: runs a registered machine on this engine.
    async fn start_child(
        self: &Arc<Self>,
        state: &State,
        input: Value,
        sync: bool,
        json_output: bool,
    ) -> Result<Value, StatesError> {
        let arn = input.get("StateMachineArn").and_then(Value::as_str).ok_or_else(|| {
            StatesError::runtime(format!("The field 'StateMachineArn' is required but missing from the parameters of state '{}'", state.name))
        })?;
        let machine = self
            .engine
            .inner
            .machines
            .read()
            .expect("machine registry lock")
            .get(arn)
            .cloned();
        let Some(machine) = machine else {
            return Err(StatesError::new(
                "StepFunctions.StateMachineDoesNotExistException",
                format!("State Machine Does Not Exist: '{arn}'"),
            ));
        };
        // "Input": a JSON string or a JSON object; the child receives the object.
        let child_input = match input.get("Input") {
            Some(Value::String(s)) => Value::from_json_str(s).map_err(|e| {
                StatesError::new(
                    "StepFunctions.InvalidExecutionInputException",
                    format!("Invalid State Machine Execution Input: '{e}'"),
                )
            })?,
            Some(v) => v.clone(),
            None => Value::object(),
        };
        let name = input
            .get("Name")
            .and_then(Value::as_str)
            .map(str::to_string);
        let sm_name = arn.rsplit(':').next().unwrap_or(arn).to_string();
        let options = ExecutionOptions {
            name,
            state_machine_name: sm_name,
            mock: self.mock.clone(),
            ..ExecutionOptions::default()
        };
        let engine = self.engine.clone();
        if !sync {
            let child_arn_name = options
                .name
                .clone()
                .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
            let options = ExecutionOptions {
                name: Some(child_arn_name.clone()),
                ..options
            };
            let start = self.engine.inner.clock.now();
            let exec_arn = format!(
                "arn:aws:states:{}:{}:execution:{}:{child_arn_name}",
                engine.inner.region, engine.inner.account, options.state_machine_name
            );
            tokio::spawn(async move {
                engine.execute(&machine, child_input, options).await;
            });
            return Ok(object([
                ("ExecutionArn", Value::string(exec_arn)),
                (
                    "StartDate",
                    Value::string(super::time::format_timestamp(start)),
                ),
            ]));
        }
        let execution = Box::pin(engine.execute(&machine, child_input.clone(), options)).await;
        let encode = |v: &Value| {
            if json_output {
                v.clone()
            } else {
                Value::string(v.to_json_string())
            }
        };
        let mut pairs = vec![
            ("ExecutionArn", Value::string(execution.arn.as_str())),
            ("Input", encode(&child_input)),
            ("InputDetails", object([("Included", Value::Bool(true))])),
            ("Name", Value::string(execution.name.as_str())),
            (
                "StartDate",
                Value::string(super::time::format_timestamp(execution.start_date)),
            ),
            ("StateMachineArn", Value::string(arn)),
            ("Status", Value::string(execution.status.as_str())),
            (
                "StopDate",
                Value::string(super::time::format_timestamp(execution.stop_date)),
            ),
        ];
        match execution.output {
            Some(out) => {
                pairs.push(("Output", encode(&out)));
                pairs.push(("OutputDetails", object([("Included", Value::Bool(true))])));
                Ok(object(pairs))
            }
            None => {
                let err = execution
                    .error
                    .unwrap_or_else(|| StatesError::bare(names::TASK_FAILED));
                if !err.error.is_empty() {
                    pairs.push(("Error", Value::string(err.error.as_str())));
                }
                if let Some(c) = &err.cause {
                    pairs.push(("Cause", Value::string(c.as_str())));
                }
                // A failed child fails the task with States.TaskFailed; the cause is the DescribeExecution output.
                Err(StatesError::new(
                    names::TASK_FAILED,
                    object(pairs).to_json_string(),
                ))
            }
        }
    }
}

/// `lambda:invoke` wraps the function's result the way AWS's Invoke API response does.
fn lambda_envelope(payload: Value) -> Value {
    let request_id = uuid::Uuid::new_v4().to_string();
    object([
        ("ExecutedVersion", Value::string("$LATEST")),
        ("Payload", payload),
        (
            "SdkHttpMetadata",
            object([
                (
                    "AllHttpHeaders",
                    object([
                        (
                            "X-Amz-Executed-Version",
                            Value::from_vec(vec![Value::string("$LATEST")]),
                        ),
                        (
                            "x-amzn-Remapped-Content-Length",
                            Value::from_vec(vec![Value::string("0")]),
                        ),
                        (
                            "Connection",
                            Value::from_vec(vec![Value::string("keep-alive")]),
                        ),
                        (
                            "x-amzn-RequestId",
                            Value::from_vec(vec![Value::string(request_id.as_str())]),
                        ),
                        (
                            "Content-Type",
                            Value::from_vec(vec![Value::string("application/json")]),
                        ),
                    ]),
                ),
                (
                    "HttpHeaders",
                    object([
                        ("Connection", Value::string("keep-alive")),
                        ("Content-Type", Value::string("application/json")),
                        ("X-Amz-Executed-Version", Value::string("$LATEST")),
                        ("x-amzn-Remapped-Content-Length", Value::string("0")),
                        ("x-amzn-RequestId", Value::string(request_id.as_str())),
                    ]),
                ),
                ("HttpStatusCode", Value::int(200)),
            ]),
        ),
        (
            "SdkResponseMetadata",
            object([("RequestId", Value::string(request_id.as_str()))]),
        ),
        ("StatusCode", Value::int(200)),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integrations_are_recognised() {
        assert_eq!(
            integration("arn:aws:lambda:us-east-1:111122223333:function:f"),
            Integration::LambdaArn("arn:aws:lambda:us-east-1:111122223333:function:f")
        );
        assert_eq!(
            integration("arn:aws:states:::lambda:invoke"),
            Integration::LambdaInvoke
        );
        assert_eq!(
            integration("arn:aws:states:::lambda:invoke.waitForTaskToken"),
            Integration::LambdaInvoke
        );
        assert_eq!(
            integration("arn:aws:states:::states:startExecution.sync:2"),
            Integration::StartExecution {
                sync: true,
                json_output: true
            }
        );
        assert_eq!(
            integration("arn:aws:states:::aws-sdk:securityhub:batchUpdateFindings"),
            Integration::Other
        );
    }

    #[test]
    fn history_resource_parts() {
        assert_eq!(
            resource_parts("arn:aws:states:::lambda:invoke"),
            ("lambda".into(), "invoke".into())
        );
        assert_eq!(
            resource_parts("arn:aws:states:::aws-sdk:securityhub:batchUpdateFindings"),
            ("aws-sdk:securityhub".into(), "batchUpdateFindings".into())
        );
        assert_eq!(
            resource_parts("arn:aws:states:::states:startExecution.sync:2"),
            ("states".into(), "startExecution.sync:2".into())
        );
    }
}

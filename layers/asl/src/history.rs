//! Execution history in the shape of AWS's GetExecutionHistory.
//!
//! Events keep shared [`Value`]s and are turned into AWS's JSON (where inputs and outputs are JSON *strings*)
//! only when asked, so recording history costs little more than not recording it.

use time::OffsetDateTime;

use crate::Value;
use crate::value::{Map, Str};

/// AWS's hard quota on events in one Standard execution's history.
pub const MAX_EVENTS: u64 = 25_000;

/// One history event.
#[derive(Debug, Clone)]
pub struct HistoryEvent {
    /// 1-based event id.
    pub id: u64,
    /// The event this one follows from (0 for the first).
    pub previous_event_id: u64,
    /// When it happened.
    pub timestamp: OffsetDateTime,
    /// AWS's event type, e.g. `PassStateEntered`, `TaskScheduled`, `ExecutionFailed`.
    pub event_type: &'static str,
    /// The type-specific details.
    pub details: Details,
}

/// Type-specific event details.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum Details {
    /// No details (e.g. `MapStateSucceeded`, `ParallelStateStarted`).
    None,
    /// `executionStartedEventDetails`.
    ExecutionStarted {
        /// The execution input.
        input: Value,
        /// The role.
        role_arn: Str,
    },
    /// `executionSucceededEventDetails`.
    ExecutionSucceeded {
        /// The execution output.
        output: Value,
    },
    /// `*FailedEventDetails` / `*TimedOutEventDetails` with error and cause (execution, task, Lambda, map,
    /// parallel).
    Failed {
        /// Detail key, e.g. `executionFailedEventDetails`.
        key: &'static str,
        /// The error name.
        error: Option<Str>,
        /// The cause.
        cause: Option<Str>,
        /// For task events: resource type and resource.
        resource: Option<(Str, Str)>,
    },
    /// `stateEnteredEventDetails`.
    StateEntered {
        /// State name.
        name: Str,
        /// State input.
        input: Value,
    },
    /// `stateExitedEventDetails`.
    StateExited {
        /// State name.
        name: Str,
        /// State output.
        output: Value,
        /// Variables assigned by the state, if any.
        assigned: Option<Value>,
    },
    /// `taskScheduledEventDetails`.
    TaskScheduled {
        /// e.g. `lambda`, `states`, `aws-sdk:securityhub`.
        resource_type: Str,
        /// e.g. `invoke`, `startExecution.sync:2`.
        resource: Str,
        /// The effective parameters.
        parameters: Value,
        /// `TimeoutSeconds`, if set.
        timeout_seconds: Option<u64>,
        /// `HeartbeatSeconds`, if set.
        heartbeat_seconds: Option<u64>,
    },
    /// `taskStartedEventDetails`, `taskSubmittedEventDetails`.
    TaskStarted {
        /// Resource type.
        resource_type: Str,
        /// Resource.
        resource: Str,
    },
    /// `taskSucceededEventDetails`.
    TaskSucceeded {
        /// Resource type.
        resource_type: Str,
        /// Resource.
        resource: Str,
        /// The task's output.
        output: Value,
    },
    /// `lambdaFunctionScheduledEventDetails`.
    LambdaFunctionScheduled {
        /// The function ARN.
        resource: Str,
        /// The payload.
        input: Value,
        /// `TimeoutSeconds`, if set.
        timeout_seconds: Option<u64>,
    },
    /// `lambdaFunctionSucceededEventDetails`.
    LambdaFunctionSucceeded {
        /// The function's result.
        output: Value,
    },
    /// `mapStateStartedEventDetails`.
    MapStateStarted {
        /// Number of items.
        length: usize,
    },
    /// `mapRunStartedEventDetails`.
    MapRunStarted {
        /// The Map Run's ARN.
        map_run_arn: Str,
    },
    /// `mapIterationStartedEventDetails` (and Succeeded/Failed/Aborted).
    MapIteration {
        /// Detail key, e.g. `mapIterationStartedEventDetails`.
        key: &'static str,
        /// The Map state's name.
        name: Str,
        /// The item's index.
        index: usize,
    },
}

fn json_text(v: &Value) -> Value {
    Value::string(v.to_json_string())
}

fn payload_details(truncated: bool) -> Value {
    let mut m = Map::default();
    m.insert("truncated".into(), Value::Bool(truncated));
    Value::from_map(m)
}

impl HistoryEvent {
    /// This event as AWS's GetExecutionHistory returns it.
    pub fn to_value(&self) -> Value {
        let mut m = Map::default();
        m.insert(
            "timestamp".into(),
            Value::string(crate::exec::time::format_timestamp(self.timestamp)),
        );
        m.insert("type".into(), Value::string(self.event_type));
        m.insert("id".into(), Value::int(self.id as i64));
        m.insert(
            "previousEventId".into(),
            Value::int(self.previous_event_id as i64),
        );
        let mut d = Map::default();
        let key: &str = match &self.details {
            Details::None => return Value::from_map(m),
            Details::ExecutionStarted { input, role_arn } => {
                d.insert("input".into(), json_text(input));
                d.insert("inputDetails".into(), payload_details(false));
                d.insert("roleArn".into(), Value::String(role_arn.clone()));
                "executionStartedEventDetails"
            }
            Details::ExecutionSucceeded { output } => {
                d.insert("output".into(), json_text(output));
                d.insert("outputDetails".into(), payload_details(false));
                "executionSucceededEventDetails"
            }
            Details::Failed {
                key,
                error,
                cause,
                resource,
            } => {
                if let Some((ty, res)) = resource {
                    d.insert("resourceType".into(), Value::String(ty.clone()));
                    d.insert("resource".into(), Value::String(res.clone()));
                }
                if let Some(e) = error {
                    d.insert("error".into(), Value::String(e.clone()));
                }
                if let Some(c) = cause {
                    d.insert("cause".into(), Value::String(c.clone()));
                }
                key
            }
            Details::StateEntered { name, input } => {
                d.insert("name".into(), Value::String(name.clone()));
                d.insert("input".into(), json_text(input));
                d.insert("inputDetails".into(), payload_details(false));
                "stateEnteredEventDetails"
            }
            Details::StateExited {
                name,
                output,
                assigned,
            } => {
                d.insert("name".into(), Value::String(name.clone()));
                d.insert("output".into(), json_text(output));
                d.insert("outputDetails".into(), payload_details(false));
                if let Some(vars) = assigned.as_ref().and_then(Value::as_object) {
                    let texts: Map = vars
                        .iter()
                        .map(|(k, v)| (k.clone(), json_text(v)))
                        .collect();
                    d.insert("assignedVariables".into(), Value::from_map(texts));
                    d.insert("assignedVariablesDetails".into(), payload_details(false));
                }
                "stateExitedEventDetails"
            }
            Details::TaskScheduled {
                resource_type,
                resource,
                parameters,
                timeout_seconds,
                heartbeat_seconds,
            } => {
                d.insert("resourceType".into(), Value::String(resource_type.clone()));
                d.insert("resource".into(), Value::String(resource.clone()));
                d.insert("region".into(), Value::string("us-east-1"));
                d.insert("parameters".into(), json_text(parameters));
                if let Some(t) = timeout_seconds {
                    d.insert("timeoutInSeconds".into(), Value::int(*t as i64));
                }
                if let Some(h) = heartbeat_seconds {
                    d.insert("heartbeatInSeconds".into(), Value::int(*h as i64));
                }
                "taskScheduledEventDetails"
            }
            Details::TaskStarted {
                resource_type,
                resource,
            } => {
                d.insert("resourceType".into(), Value::String(resource_type.clone()));
                d.insert("resource".into(), Value::String(resource.clone()));
                "taskStartedEventDetails"
            }
            Details::TaskSucceeded {
                resource_type,
                resource,
                output,
            } => {
                d.insert("resourceType".into(), Value::String(resource_type.clone()));
                d.insert("resource".into(), Value::String(resource.clone()));
                d.insert("output".into(), json_text(output));
                d.insert("outputDetails".into(), payload_details(false));
                "taskSucceededEventDetails"
            }
            Details::LambdaFunctionScheduled {
                resource,
                input,
                timeout_seconds,
            } => {
                d.insert("resource".into(), Value::String(resource.clone()));
                d.insert("input".into(), json_text(input));
                d.insert("inputDetails".into(), payload_details(false));
                if let Some(t) = timeout_seconds {
                    d.insert("timeoutInSeconds".into(), Value::int(*t as i64));
                }
                "lambdaFunctionScheduledEventDetails"
            }
            Details::LambdaFunctionSucceeded { output } => {
                d.insert("output".into(), json_text(output));
                d.insert("outputDetails".into(), payload_details(false));
                "lambdaFunctionSucceededEventDetails"
            }
            Details::MapStateStarted { length } => {
                d.insert("length".into(), Value::int(*length as i64));
                "mapStateStartedEventDetails"
            }
            Details::MapRunStarted { map_run_arn } => {
                d.insert("mapRunArn".into(), Value::String(map_run_arn.clone()));
                "mapRunStartedEventDetails"
            }
            Details::MapIteration { key, name, index } => {
                d.insert("name".into(), Value::String(name.clone()));
                d.insert("index".into(), Value::int(*index as i64));
                key
            }
        };
        m.insert(key.into(), Value::from_map(d));
        Value::from_map(m)
    }
}

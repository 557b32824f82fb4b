//! Runtime errors: the `{Error, Cause}` pair that Retry and Catch match on.

use std::fmt;

/// The predefined error names of the Amazon States Language.
pub mod names {
    /// Matches any error name except `States.Runtime` and `States.DataLimitExceeded`.
    pub const ALL: &str = "States.ALL";
    /// A state ran longer than its `TimeoutSeconds`, or the execution longer than its own.
    pub const TIMEOUT: &str = "States.Timeout";
    /// A Task sent no heartbeat for longer than `HeartbeatSeconds`.
    pub const HEARTBEAT_TIMEOUT: &str = "States.HeartbeatTimeout";
    /// Matches any error a Task raised except `States.Timeout`.
    pub const TASK_FAILED: &str = "States.TaskFailed";
    /// The task's role may not run the resource.
    pub const PERMISSIONS: &str = "States.Permissions";
    /// A ResultPath could not be applied to the state's input.
    pub const RESULT_PATH_MATCH_FAILURE: &str = "States.ResultPathMatchFailure";
    /// A path in `Parameters` found nothing in the input.
    pub const PARAMETER_PATH_FAILURE: &str = "States.ParameterPathFailure";
    /// A Parallel branch failed.
    pub const BRANCH_FAILED: &str = "States.BranchFailed";
    /// No Choice rule matched and there is no `Default`.
    pub const NO_CHOICE_MATCHED: &str = "States.NoChoiceMatched";
    /// An intrinsic function failed.
    pub const INTRINSIC_FAILURE: &str = "States.IntrinsicFailure";
    /// A Map run failed more items than it tolerates.
    pub const EXCEED_TOLERATED_FAILURE_THRESHOLD: &str = "States.ExceedToleratedFailureThreshold";
    /// Distributed Map could not read its items.
    pub const ITEM_READER_FAILED: &str = "States.ItemReaderFailed";
    /// A Distributed Map could not write its results (`ResultWriter`).
    pub const RESULT_WRITER_FAILED: &str = "States.ResultWriterFailed";
    /// A payload exceeded the 256 KiB quota. Terminal: `States.ALL` does not catch it.
    pub const DATA_LIMIT_EXCEEDED: &str = "States.DataLimitExceeded";
    /// The execution could not go on (bad path, bad type). Never retried or caught.
    pub const RUNTIME: &str = "States.Runtime";
    /// A JSONata expression failed or returned the wrong type.
    pub const QUERY_EVALUATION_ERROR: &str = "States.QueryEvaluationError";
}

/// A failure inside an execution: an error name and an optional cause, as AWS reports them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StatesError {
    /// The error name (`States.Runtime`, `Lambda.ServiceException`, a Fail state's `Error`, ...).
    pub error: String,
    /// The human-readable cause, if any.
    pub cause: Option<String>,
}

impl StatesError {
    /// An error with a cause.
    pub fn new(error: impl Into<String>, cause: impl Into<String>) -> StatesError {
        StatesError {
            error: error.into(),
            cause: Some(cause.into()),
        }
    }

    /// An error with no cause.
    pub fn bare(error: impl Into<String>) -> StatesError {
        StatesError {
            error: error.into(),
            cause: None,
        }
    }

    /// `States.Runtime` with a cause.
    pub fn runtime(cause: impl Into<String>) -> StatesError {
        StatesError::new(names::RUNTIME, cause)
    }

    /// `States.IntrinsicFailure` with a cause.
    pub fn intrinsic(cause: impl Into<String>) -> StatesError {
        StatesError::new(names::INTRINSIC_FAILURE, cause)
    }

    /// `States.QueryEvaluationError` with a cause.
    pub fn query(cause: impl Into<String>) -> StatesError {
        StatesError::new(names::QUERY_EVALUATION_ERROR, cause)
    }

    /// Whether a Retrier or Catcher listing `error_equals` handles this error.
    ///
    /// "The reserved name States.ALL ... matches any known error name." It does not match
    /// `States.Runtime` ("A retry or catch on States.ALL won't catch States.Runtime errors") nor the
    /// terminal `States.DataLimitExceeded`. `States.TaskFailed` matches any error except `States.Timeout`;
    /// AWS only raises it around Task states, so the engine applies it to every non-`States.*` error
    /// and to the `States.*` errors a task can raise.
    pub fn is_matched_by(&self, error_equals: &[impl AsRef<str>]) -> bool {
        if self.error == names::RUNTIME {
            return false;
        }
        error_equals.iter().any(|name| {
            let name = name.as_ref();
            name == self.error
                || (name == names::ALL && self.error != names::DATA_LIMIT_EXCEEDED)
                || (name == names::TASK_FAILED
                    && self.error != names::TIMEOUT
                    && self.error != names::DATA_LIMIT_EXCEEDED)
        })
    }

    /// The error output a Catcher passes on: `{"Error": ..., "Cause": ...}`.
    pub fn to_error_output(&self) -> crate::Value {
        let mut map = crate::value::Map::default();
        map.insert("Error".into(), crate::Value::string(self.error.as_str()));
        if let Some(cause) = &self.cause {
            map.insert("Cause".into(), crate::Value::string(cause.as_str()));
        }
        crate::Value::from_map(map)
    }
}

impl fmt::Display for StatesError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.cause {
            Some(cause) => write!(f, "{}: {}", self.error, cause),
            None => f.write_str(&self.error),
        }
    }
}

impl std::error::Error for StatesError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states_all_matches_everything_but_runtime_and_data_limit() {
        assert!(StatesError::bare("Custom").is_matched_by(&["States.ALL"]));
        assert!(StatesError::bare(names::TIMEOUT).is_matched_by(&["States.ALL"]));
        assert!(!StatesError::bare(names::RUNTIME).is_matched_by(&["States.ALL"]));
        assert!(!StatesError::bare(names::RUNTIME).is_matched_by(&["States.Runtime"]));
        assert!(!StatesError::bare(names::DATA_LIMIT_EXCEEDED).is_matched_by(&["States.ALL"]));
        assert!(
            StatesError::bare(names::DATA_LIMIT_EXCEEDED)
                .is_matched_by(&["States.DataLimitExceeded"])
        );
    }

    #[test]
    fn task_failed_matches_all_but_timeout() {
        assert!(StatesError::bare("Lambda.ServiceException").is_matched_by(&["States.TaskFailed"]));
        assert!(!StatesError::bare(names::TIMEOUT).is_matched_by(&["States.TaskFailed"]));
    }
}

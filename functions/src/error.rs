//! How a task fails: an error name for Retry/Catch and a cause for people.

use serde_json::{Value, json};

/// The error names SOAR's tasks raise; the state machines' Retry and Catch list these strings.
pub mod names {
    /// The input is not a finding SOAR can process (missing or malformed ASFF fields).
    pub const INVALID_FINDING: &str = "SOAR.InvalidFinding";
    /// The scratchpad handed to a task is malformed (a state machine bug, not bad data).
    pub const INVALID_SCRATCHPAD: &str = "SOAR.InvalidScratchpad";
    /// SOAR's storage failed in a way a retry will not fix.
    pub const STORE_FAILURE: &str = "SOAR.StoreFailure";
    /// DynamoDB (or the local store standing in for it) is throttling: retried.
    pub const DYNAMODB_THROTTLING: &str = "DynamoDB.ThrottlingException";
}

/// A task's failure, as Lambda reports it (`errorType`, `errorMessage`) and Step Functions raises it
/// (`Error`, `Cause`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{error}: {cause}")]
pub struct TaskError {
    /// The error name, e.g. [`names::INVALID_FINDING`].
    pub error: String,
    /// What went wrong, naming what and where.
    pub cause: String,
}

impl TaskError {
    /// An error named `error`.
    pub fn new(error: &str, cause: impl Into<String>) -> TaskError {
        TaskError {
            error: error.to_string(),
            cause: cause.into(),
        }
    }

    /// The payload a Lambda function returns for an unhandled error.
    pub fn to_lambda_error(&self) -> Value {
        json!({"errorType": self.error, "errorMessage": self.cause})
    }
}

impl From<soar_model::scratchpad::ScratchpadError> for TaskError {
    fn from(e: soar_model::scratchpad::ScratchpadError) -> TaskError {
        TaskError::new(names::INVALID_SCRATCHPAD, e.to_string())
    }
}

/// Transient store failures (a busy database here, throttling on DynamoDB) become
/// [`names::DYNAMODB_THROTTLING`], which the state machines retry; everything else
/// [`names::STORE_FAILURE`], which they do not.
impl From<soar_store::StoreError> for TaskError {
    fn from(e: soar_store::StoreError) -> TaskError {
        let name = if e.is_transient() {
            names::DYNAMODB_THROTTLING
        } else {
            names::STORE_FAILURE
        };
        TaskError::new(name, e.to_string())
    }
}

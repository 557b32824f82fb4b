//! How Task states reach code: the engine knows resources only through this interface.

use crate::Value;
use crate::error::StatesError;
pub use crate::exec::clock::BoxFuture;

/// What a Task state asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target<'a> {
    /// A Lambda function, from a Lambda function ARN resource or `lambda:invoke`'s `FunctionName` (a name,
    /// a partial ARN or a full ARN, with an optional alias or version).
    Function(&'a str),
    /// Any other resource, e.g. `arn:aws:states:::aws-sdk:securityhub:batchUpdateFindings` or
    /// `arn:aws:states:::sqs:sendMessage.waitForTaskToken` (the integration-pattern suffix is kept).
    Resource(&'a str),
}

/// One task invocation.
#[derive(Debug)]
pub struct TaskCall<'a> {
    /// The Task state's name.
    pub state: &'a str,
    /// What to call.
    pub target: Target<'a>,
    /// The effective input (after `InputPath`/`Parameters`, or `Arguments`); for a function, its payload.
    pub input: Value,
    /// The task token, for `.waitForTaskToken` resources.
    pub task_token: Option<&'a str>,
}

/// Runs tasks. Implementations compose: an in-process registry, the AWS SDK, a mock.
pub trait TaskResolver: Send + Sync {
    /// Runs one task and returns its result, or the `{Error, Cause}` it failed with (the error name is what
    /// Retry and Catch match, e.g. `Lambda.TooManyRequestsException`).
    fn invoke<'a>(&'a self, call: TaskCall<'a>) -> BoxFuture<'a, Result<Value, StatesError>>;
}

/// A resolver that knows no task: every Task state fails with a clear error naming the state and resource.
#[derive(Debug, Default, Clone, Copy)]
pub struct NoTasks;

impl TaskResolver for NoTasks {
    fn invoke<'a>(&'a self, call: TaskCall<'a>) -> BoxFuture<'a, Result<Value, StatesError>> {
        Box::pin(async move { Err(unknown_task(&call)) })
    }
}

/// The error for a task no resolver handles.
pub fn unknown_task(call: &TaskCall<'_>) -> StatesError {
    let what = match call.target {
        Target::Function(f) => format!("Lambda function '{f}'"),
        Target::Resource(r) => format!("resource '{r}'"),
    };
    StatesError::new(
        "States.TaskFailed",
        format!(
            "no task handler for {what} (Task state '{}'); provide one or mock it",
            call.state
        ),
    )
}

/// The function name in a Lambda function ARN or partial ARN (`arn:aws:lambda:REGION:ACCOUNT:function:NAME[:QUALIFIER]`,
/// `ACCOUNT:function:NAME`, `NAME[:QUALIFIER]`), without the qualifier.
pub fn lambda_function_name(function: &str) -> &str {
    if let Some(idx) = function.find(":function:") {
        let rest = &function[idx + ":function:".len()..];
        rest.split(':').next().unwrap_or(rest)
    } else {
        function.split(':').next().unwrap_or(function)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn function_names_from_arns() {
        assert_eq!(
            lambda_function_name("arn:aws:lambda:eu-west-1:111122223333:function:enrich"),
            "enrich"
        );
        assert_eq!(
            lambda_function_name("arn:aws:lambda:eu-west-1:111122223333:function:enrich:live"),
            "enrich"
        );
        assert_eq!(
            lambda_function_name("111122223333:function:enrich"),
            "enrich"
        );
        assert_eq!(lambda_function_name("enrich:3"), "enrich");
        assert_eq!(lambda_function_name("enrich"), "enrich");
    }
}

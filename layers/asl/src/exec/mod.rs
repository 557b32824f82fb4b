//! Running state machines: the [`Engine`], its options and the [`Execution`] it reports.

pub mod clock;
mod context;
mod distributed;
mod io;
mod jsonata_glue;
mod map;
mod mock;
mod run;
mod task;
pub mod time;

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};

use ::time::OffsetDateTime;
use tokio::sync::mpsc;

pub use clock::{BoxFuture, Clock, TokioClock};
pub use mock::{MockConfig, MockError, MockTestCase};

use crate::Value;
use crate::definition::StateMachine;
use crate::definition::model::Machine;
use crate::error::StatesError;
use crate::history::{Details, HistoryEvent, MAX_EVENTS};
use crate::objects::ObjectStore;
use crate::resolver::TaskResolver;
use crate::value::{Map, Str};

/// Standard or Express: Standard executions keep a history capped at 25,000 events.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum WorkflowType {
    /// Exactly-once, history capped at 25,000 events.
    #[default]
    Standard,
    /// At-least-once, no history quota.
    Express,
}

/// How to run one execution.
#[derive(Clone, Debug)]
pub struct ExecutionOptions {
    /// The execution's name (a UUID when not given).
    pub name: Option<String>,
    /// The state machine's name, used in ARNs and `$$.StateMachine`.
    pub state_machine_name: String,
    /// Record the execution history.
    pub history: bool,
    /// Standard or Express.
    pub workflow_type: WorkflowType,
    /// Mocked task responses (AWS Step Functions Local's mock-config format), for this test case.
    pub mock: Option<Arc<MockTestCase>>,
    /// `$$.Execution.RoleArn`.
    pub role_arn: Option<String>,
}

impl Default for ExecutionOptions {
    fn default() -> ExecutionOptions {
        ExecutionOptions {
            name: None,
            state_machine_name: "StateMachine".into(),
            history: false,
            workflow_type: WorkflowType::Standard,
            mock: None,
            role_arn: None,
        }
    }
}

/// How an execution ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    /// Reached a Succeed state or an End.
    Succeeded,
    /// A state failed and nothing caught it.
    Failed,
    /// The machine's `TimeoutSeconds` passed.
    TimedOut,
}

impl Status {
    /// AWS's spelling: `SUCCEEDED`, `FAILED`, `TIMED_OUT`.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Succeeded => "SUCCEEDED",
            Status::Failed => "FAILED",
            Status::TimedOut => "TIMED_OUT",
        }
    }
}

/// A finished execution.
#[derive(Clone, Debug)]
pub struct Execution {
    /// `arn:aws:states:REGION:ACCOUNT:execution:MACHINE:NAME`.
    pub arn: String,
    /// The execution's name.
    pub name: String,
    /// How it ended.
    pub status: Status,
    /// The output, when it succeeded.
    pub output: Option<Value>,
    /// The error, when it failed or timed out.
    pub error: Option<StatesError>,
    /// When it started.
    pub start_date: OffsetDateTime,
    /// When it stopped.
    pub stop_date: OffsetDateTime,
    /// The history, when asked for.
    pub history: Vec<HistoryEvent>,
    /// How many history events it produced (counted even when not recorded).
    pub event_count: u64,
}

/// Why a task-token call was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TaskTokenError {
    /// No task is waiting for this token (never issued, or already completed): AWS's `TaskDoesNotExist`.
    #[error("TaskDoesNotExist: no task is waiting for this token")]
    TaskDoesNotExist,
}

pub(crate) enum TokenMessage {
    Heartbeat,
    Done(Result<Value, StatesError>),
}

/// Runs state machines. Cheap to clone; share one per process.
#[derive(Clone)]
pub struct Engine {
    pub(crate) inner: Arc<Inner>,
}

pub(crate) struct Inner {
    pub resolver: Arc<dyn TaskResolver>,
    pub clock: Arc<dyn Clock>,
    pub machines: RwLock<HashMap<String, StateMachine>>,
    pub tokens: Mutex<HashMap<String, mpsc::UnboundedSender<TokenMessage>>>,
    pub region: String,
    pub account: String,
    /// Where Distributed Maps read items and write results; none until the caller sets one.
    pub objects: RwLock<Option<Arc<dyn ObjectStore>>>,
}

/// Who an execution is: its ARN and name, and its state machine's.
pub(crate) struct Identity {
    pub arn: String,
    pub name: String,
    pub state_machine_arn: String,
    pub state_machine_name: String,
}

impl Engine {
    /// An engine whose Task states go to `resolver`, on the Tokio clock.
    pub fn new(resolver: Arc<dyn TaskResolver>) -> Engine {
        Engine::with_clock(resolver, Arc::new(TokioClock::new()))
    }

    /// An engine with a chosen clock.
    pub fn with_clock(resolver: Arc<dyn TaskResolver>, clock: Arc<dyn Clock>) -> Engine {
        Engine {
            inner: Arc::new(Inner {
                resolver,
                clock,
                machines: RwLock::new(HashMap::new()),
                tokens: Mutex::new(HashMap::new()),
                region: "us-east-1".into(),
                account: "123456789012".into(),
                objects: RwLock::new(None),
            }),
        }
    }

    /// Makes `machine` startable by ARN from `arn:aws:states:::states:startExecution` tasks.
    pub fn register(&self, arn: impl Into<String>, machine: StateMachine) {
        self.inner
            .machines
            .write()
            .expect("machine registry lock")
            .insert(arn.into(), machine);
    }

    /// The ARN the engine gives a state machine named `name`.
    pub fn state_machine_arn(&self, name: &str) -> String {
        format!(
            "arn:aws:states:{}:{}:stateMachine:{name}",
            self.inner.region, self.inner.account
        )
    }

    /// Serves the S3 objects that Distributed Maps read (`ItemReader`) and write (`ResultWriter`).
    pub fn set_object_store(&self, store: Arc<dyn ObjectStore>) {
        *self.inner.objects.write().expect("object store lock") = Some(store);
    }

    pub(crate) fn object_store(&self) -> Option<Arc<dyn ObjectStore>> {
        self.inner
            .objects
            .read()
            .expect("object store lock")
            .clone()
    }

    /// Runs one execution to its end.
    pub async fn execute(
        &self,
        machine: &StateMachine,
        input: Value,
        options: ExecutionOptions,
    ) -> Execution {
        let name = options
            .name
            .clone()
            .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
        let identity = Identity {
            arn: format!(
                "arn:aws:states:{}:{}:execution:{}:{name}",
                self.inner.region, self.inner.account, options.state_machine_name
            ),
            name,
            state_machine_arn: self.state_machine_arn(&options.state_machine_name),
            state_machine_name: options.state_machine_name.clone(),
        };
        self.run(&machine.root, input, identity, &options).await
    }

    /// Runs `root` as one execution (a top-level one, or a Distributed Map's child).
    pub(crate) async fn run(
        &self,
        root: &Arc<Machine>,
        input: Value,
        identity: Identity,
        options: &ExecutionOptions,
    ) -> Execution {
        let start = self.inner.clock.now();
        let role_arn = options.role_arn.clone().unwrap_or_else(|| {
            format!(
                "arn:aws:iam::{}:role/StepFunctions-ExecutionRole",
                self.inner.account
            )
        });
        let run = Arc::new(run::Run {
            engine: self.clone(),
            context: context::ExecutionContext::new(
                &identity.arn,
                &identity.name,
                &identity.state_machine_arn,
                &identity.state_machine_name,
                &role_arn,
                start,
                input.clone(),
            ),
            events: AtomicU64::new(0),
            history: options.history.then(|| Mutex::new(Vec::new())),
            limit_events: options.workflow_type == WorkflowType::Standard,
            mock: options.mock.clone(),
            mock_calls: Mutex::new(HashMap::new()),
            options: options.clone(),
        });
        let result = run.execute(root, input, role_arn.into()).await;
        let stop = self.inner.clock.now();
        let (status, output, error) = match result {
            Ok(output) => (Status::Succeeded, Some(output), None),
            Err(e)
                if e.error == crate::error::names::TIMEOUT
                    && e.cause.as_deref() == Some(run::EXECUTION_TIMEOUT) =>
            {
                (Status::TimedOut, None, Some(e))
            }
            Err(e) => (Status::Failed, None, Some(e)),
        };
        let history = run
            .history
            .as_ref()
            .map(|h| std::mem::take(&mut *h.lock().expect("history lock")));
        Execution {
            arn: identity.arn,
            name: identity.name,
            status,
            output,
            error,
            start_date: start,
            stop_date: stop,
            history: history.unwrap_or_default(),
            event_count: run.events.load(Ordering::Relaxed),
        }
    }

    /// Completes the `.waitForTaskToken` task holding `token` with `output` (SendTaskSuccess).
    pub fn send_task_success(&self, token: &str, output: Value) -> Result<(), TaskTokenError> {
        self.complete_token(token, Ok(output))
    }

    /// Fails the `.waitForTaskToken` task holding `token` (SendTaskFailure).
    pub fn send_task_failure(
        &self,
        token: &str,
        error: &str,
        cause: Option<&str>,
    ) -> Result<(), TaskTokenError> {
        let err = StatesError {
            error: error.to_string(),
            cause: cause.map(str::to_string),
        };
        self.complete_token(token, Err(err))
    }

    /// Tells the task holding `token` that its worker is alive (SendTaskHeartbeat).
    pub fn send_task_heartbeat(&self, token: &str) -> Result<(), TaskTokenError> {
        let tokens = self.inner.tokens.lock().expect("token lock");
        let tx = tokens.get(token).ok_or(TaskTokenError::TaskDoesNotExist)?;
        tx.send(TokenMessage::Heartbeat)
            .map_err(|_| TaskTokenError::TaskDoesNotExist)
    }

    fn complete_token(
        &self,
        token: &str,
        outcome: Result<Value, StatesError>,
    ) -> Result<(), TaskTokenError> {
        let tx = self
            .inner
            .tokens
            .lock()
            .expect("token lock")
            .remove(token)
            .ok_or(TaskTokenError::TaskDoesNotExist)?;
        tx.send(TokenMessage::Done(outcome))
            .map_err(|_| TaskTokenError::TaskDoesNotExist)
    }

    /// Tokens of the tasks now waiting for SendTaskSuccess/Failure (for tools and tests).
    pub fn pending_task_tokens(&self) -> Vec<String> {
        self.inner
            .tokens
            .lock()
            .expect("token lock")
            .keys()
            .cloned()
            .collect()
    }
}

impl run::Run {
    /// Records one history event (always counted; stored only when history is on) and returns its id.
    pub(crate) fn record(
        &self,
        previous: u64,
        event_type: &'static str,
        details: impl FnOnce() -> Details,
    ) -> Result<u64, StatesError> {
        let id = self.events.fetch_add(1, Ordering::Relaxed) + 1;
        if self.limit_events && id > MAX_EVENTS {
            // AWS: "Maximum execution history size: 25,000 events in a single execution history. ... the
            // execution fails." (Step Functions quotas). The exact error text is not documented.
            return Err(StatesError::runtime(format!(
                "The execution reached the maximum number of history events ({MAX_EVENTS})."
            )));
        }
        if let Some(history) = &self.history {
            let event = HistoryEvent {
                id,
                previous_event_id: previous,
                timestamp: self.engine.inner.clock.now(),
                event_type,
                details: details(),
            };
            history.lock().expect("history lock").push(event);
        }
        Ok(id)
    }
}

pub(crate) fn object(pairs: impl IntoIterator<Item = (&'static str, Value)>) -> Value {
    let mut m = Map::default();
    for (k, v) in pairs {
        m.insert(Str::from(k), v);
    }
    Value::from_map(m)
}

pub(crate) type TokenReceiver = mpsc::UnboundedReceiver<TokenMessage>;

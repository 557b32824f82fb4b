//! The run loop: one state after another, with the shared pipeline every state goes through (input and
//! output processing, Assign, Retry, Catch, history events).

use std::collections::HashMap;
use std::sync::atomic::AtomicU64;
use std::sync::{Arc, Mutex};

use super::context::{ExecutionContext, LazyContext, StateContext};
use super::io;
use super::{BoxFuture, Engine, MockTestCase};
use crate::Value;
use crate::definition::model::{Catcher, Kind, Machine, Retrier, State};
use crate::error::{StatesError, names};
use crate::history::{Details, HistoryEvent};
use crate::value::Str;

/// The cause of the error that ends an execution whose `TimeoutSeconds` passed.
pub(crate) const EXECUTION_TIMEOUT: &str = "The execution timed out (TimeoutSeconds).";

/// AWS's payload quota for state inputs, outputs and results.
pub(crate) const MAX_PAYLOAD_BYTES: usize = 256 * 1024;

/// One running execution, shared by its branches and iterations.
pub(crate) struct Run {
    pub engine: Engine,
    pub context: ExecutionContext,
    pub events: AtomicU64,
    pub history: Option<Mutex<Vec<HistoryEvent>>>,
    pub limit_events: bool,
    pub mock: Option<Arc<MockTestCase>>,
    pub mock_calls: Mutex<HashMap<Str, u32>>,
    /// The options it was started with (Distributed Map children inherit them).
    pub options: super::ExecutionOptions,
}

/// What a state decided.
pub(crate) enum Step {
    /// Go to state `next` with `output`.
    Next(usize, Value),
    /// The machine ends with `output`.
    End(Value),
}

/// The result of a state's own work, before output processing.
pub(crate) struct Worked {
    pub result: Value,
    /// For Choice: the chosen rule's index, or `None` for Default.
    pub choice: Option<Option<usize>>,
}

impl Run {
    pub async fn execute(
        self: &Arc<Self>,
        root: &Arc<Machine>,
        input: Value,
        role_arn: Str,
    ) -> Result<Value, StatesError> {
        let started = self.record(0, "ExecutionStarted", || Details::ExecutionStarted {
            input: input.clone(),
            role_arn,
        })?;
        let mut last = started;
        let clock = self.engine.inner.clock.clone();
        let result = match root.timeout_seconds {
            Some(seconds) => {
                let deadline = clock.now() + ::time::Duration::seconds(seconds as i64);
                let work = self.run_machine(root, input, Value::object(), &mut last);
                tokio::select! {
                    biased;
                    r = work => r,
                    _ = clock.sleep_until(deadline) => Err(StatesError::new(names::TIMEOUT, EXECUTION_TIMEOUT)),
                }
            }
            None => {
                self.run_machine(root, input, Value::object(), &mut last)
                    .await
            }
        };
        match &result {
            Ok(output) => {
                self.record(last, "ExecutionSucceeded", || Details::ExecutionSucceeded {
                    output: output.clone(),
                })?;
            }
            Err(e) => {
                let (ty, key) = if e.cause.as_deref() == Some(EXECUTION_TIMEOUT) {
                    ("ExecutionTimedOut", "executionTimedOutEventDetails")
                } else {
                    ("ExecutionFailed", "executionFailedEventDetails")
                };
                // The last event is recorded even past the quota so the history says how it ended.
                let _ = self.record(last, ty, || failed(key, e, None));
            }
        }
        result
    }

    /// Runs a machine (top level, branch or iteration) from its StartAt to its end.
    pub fn run_machine<'a>(
        self: &'a Arc<Self>,
        machine: &'a Machine,
        input: Value,
        variables: Value,
        last: &'a mut u64,
    ) -> BoxFuture<'a, Result<Value, StatesError>> {
        Box::pin(async move {
            let mut variables = variables;
            let mut index = machine.start;
            let mut input = input;
            loop {
                let state = &machine.states[index];
                match self.run_state(state, input, &mut variables, last).await? {
                    Step::Next(next, output) => {
                        index = next;
                        input = output;
                    }
                    Step::End(output) => return Ok(output),
                }
            }
        })
    }

    async fn run_state(
        self: &Arc<Self>,
        state: &State,
        input: Value,
        variables: &mut Value,
        last: &mut u64,
    ) -> Result<Step, StatesError> {
        let (entered_type, exited_type) = event_types(&state.kind);
        let entered = self.record(*last, entered_type, || Details::StateEntered {
            name: state.name.clone(),
            input: input.clone(),
        })?;
        *last = entered;
        let mut sctx = StateContext {
            name: state.name.clone(),
            entered: self.engine.inner.clock.now(),
            retry_count: 0,
            task_token: None,
            map_item: None,
        };
        let in_state = |e: StatesError| prefix_error(e, &state.name, entered);

        // Each attempt (the first and every retry) processes the input anew: `$$.State.RetryCount` and a
        // `.waitForTaskToken` task's `$$.Task.Token` differ per attempt.
        let waits_for_token =
            matches!(&state.kind, Kind::Task(t) if t.resource.ends_with(".waitForTaskToken"));
        let mut attempts: Vec<u32> = vec![0; state.retry.len()];
        let worked = loop {
            if waits_for_token {
                sctx.task_token = Some(uuid::Uuid::new_v4().to_string().into());
            }
            let prepared = {
                let ctx = LazyContext::new(&self.context, &sctx);
                io::prepare(state, &input, &ctx, variables)
            };
            let attempt = match prepared {
                Ok(effective) => self
                    .work(state, &input, effective.clone(), &mut sctx, variables, last)
                    .await
                    .map(|w| (effective, w)),
                Err(e) => Err(e),
            };
            match attempt {
                Ok(done) => break Ok(done),
                Err(e) => {
                    let e = in_state(e);
                    match next_retry(&state.retry, &mut attempts, &e) {
                        Some(delay) => {
                            let deadline = self.engine.inner.clock.now() + delay;
                            self.engine.inner.clock.sleep_until(deadline).await;
                            sctx.retry_count += 1;
                        }
                        None => break Err(e),
                    }
                }
            }
        };

        let outcome = match worked {
            Ok((effective, worked)) => {
                let ctx = LazyContext::new(&self.context, &sctx);
                io::finish(state, &input, &effective, worked, &ctx, variables).map_err(in_state)
            }
            Err(e) => Err(e),
        };
        let (output, assigned, next) = match outcome {
            Ok(done) => done,
            Err(e) => {
                let Some(catcher) = find_catcher(&state.catch, &e) else {
                    return Err(e);
                };
                let ctx = LazyContext::new(&self.context, &sctx);
                let (output, assigned) =
                    io::caught(state, catcher, &input, &e, &ctx, variables).map_err(in_state)?;
                (output, assigned, Some(catcher.next))
            }
        };
        if output.json_size() > MAX_PAYLOAD_BYTES {
            return Err(StatesError::new(
                names::DATA_LIMIT_EXCEEDED,
                format!(
                    "The state/task '{}' returned a result with a size exceeding the maximum number of bytes service limit.",
                    state.name
                ),
            ));
        }
        if let Some(exited_type) = exited_type {
            *last = self.record(*last, exited_type, || Details::StateExited {
                name: state.name.clone(),
                output: output.clone(),
                assigned: assigned.clone(),
            })?;
        }
        if let Some(assigned) = assigned
            && let (Some(vars), Some(new)) = (variables.as_object_mut(), assigned.as_object())
        {
            for (k, v) in new {
                vars.insert(k.clone(), v.clone());
            }
        }
        Ok(match next {
            Some(n) => Step::Next(n, output),
            None => Step::End(output),
        })
    }

    /// The state's own work on its effective input.
    async fn work(
        self: &Arc<Self>,
        state: &State,
        raw_input: &Value,
        effective: Value,
        sctx: &mut StateContext,
        variables: &Value,
        last: &mut u64,
    ) -> Result<Worked, StatesError> {
        let plain = |result| {
            Ok(Worked {
                result,
                choice: None,
            })
        };
        match &state.kind {
            Kind::Pass { result } => plain(result.clone().unwrap_or(effective)),
            Kind::Succeed => plain(effective),
            Kind::Fail { error, cause } => {
                let ctx = LazyContext::new(&self.context, sctx);
                Err(io::fail_error(
                    error.as_ref(),
                    cause.as_ref(),
                    raw_input,
                    &effective,
                    &ctx,
                    variables,
                )?)
            }
            Kind::Choice(choice) => {
                let ctx = LazyContext::new(&self.context, sctx);
                let chosen = io::choose(choice, raw_input, &effective, &ctx, variables)?;
                if chosen.is_none() && choice.default.is_none() {
                    // "If no Choice Rule matches and no Default is given, the interpreter raises
                    // States.NoChoiceMatched."
                    return Err(StatesError::new(
                        names::NO_CHOICE_MATCHED,
                        format!("No Matches! (state '{}')", state.name),
                    ));
                }
                Ok(Worked {
                    result: effective,
                    choice: Some(chosen),
                })
            }
            Kind::Wait(wait) => {
                let deadline = {
                    let ctx = LazyContext::new(&self.context, sctx);
                    io::wait_deadline(wait, raw_input, &effective, &ctx, variables, sctx.entered)?
                };
                self.engine.inner.clock.sleep_until(deadline).await;
                plain(effective)
            }
            Kind::Task(task) => self
                .task(state, task, raw_input, effective, sctx, variables, last)
                .await
                .map(|result| Worked {
                    result,
                    choice: None,
                }),
            Kind::Parallel { branches } => self
                .parallel(branches, effective, variables, last)
                .await
                .map(|result| Worked {
                    result,
                    choice: None,
                }),
            Kind::Map(map) => self
                .map(state, map, raw_input, effective, sctx, variables, last)
                .await
                .map(|result| Worked {
                    result,
                    choice: None,
                }),
        }
    }
}

/// Adds AWS's "An error occurred while executing the state ..." prefix to errors the engine itself raises
/// while processing a state's data.
pub(crate) fn prefix_error(mut e: StatesError, state: &str, entered: u64) -> StatesError {
    if (e.error == names::RUNTIME
        || e.error == names::QUERY_EVALUATION_ERROR
        || e.error == names::INTRINSIC_FAILURE)
        && let Some(cause) = &e.cause
        && !cause.starts_with("An error occurred while executing the state")
    {
        e.cause = Some(format!(
            "An error occurred while executing the state '{state}' (entered at the event id #{entered}). {cause}"
        ));
    }
    e
}

pub(crate) fn failed(key: &'static str, e: &StatesError, resource: Option<(Str, Str)>) -> Details {
    Details::Failed {
        key,
        error: Some(e.error.as_str().into()),
        cause: e.cause.as_deref().map(Str::from),
        resource,
    }
}

fn event_types(kind: &Kind) -> (&'static str, Option<&'static str>) {
    match kind {
        Kind::Pass { .. } => ("PassStateEntered", Some("PassStateExited")),
        Kind::Task(_) => ("TaskStateEntered", Some("TaskStateExited")),
        Kind::Choice(_) => ("ChoiceStateEntered", Some("ChoiceStateExited")),
        Kind::Wait(_) => ("WaitStateEntered", Some("WaitStateExited")),
        Kind::Succeed => ("SucceedStateEntered", Some("SucceedStateExited")),
        Kind::Fail { .. } => ("FailStateEntered", None),
        Kind::Parallel { .. } => ("ParallelStateEntered", Some("ParallelStateExited")),
        Kind::Map(_) => ("MapStateEntered", Some("MapStateExited")),
    }
}

/// "When a state reports an error, the interpreter scans through the Retriers and, when the error name
/// appears in the value of a Retrier's ErrorEquals field, implements the retry policy described in that
/// Retrier." Returns the delay before the next attempt, or `None` when the error is not retried.
fn next_retry(
    retriers: &[Retrier],
    attempts: &mut [u32],
    e: &StatesError,
) -> Option<::time::Duration> {
    let (i, r) = retriers
        .iter()
        .enumerate()
        .find(|(_, r)| e.is_matched_by(&r.error_equals))?;
    if attempts[i] >= r.max_attempts {
        return None;
    }
    let mut delay = r.interval_seconds * r.backoff_rate.powi(attempts[i] as i32);
    if let Some(max) = r.max_delay_seconds {
        delay = delay.min(max);
    }
    if r.full_jitter {
        delay *= rand::random::<f64>();
    }
    attempts[i] += 1;
    Some(::time::Duration::seconds_f64(delay))
}

/// "When a state reports an error and either there is no Retrier, or retries have failed to resolve the
/// error, the interpreter scans through the Catchers in array order."
fn find_catcher<'a>(catchers: &'a [Catcher], e: &StatesError) -> Option<&'a Catcher> {
    catchers.iter().find(|c| e.is_matched_by(&c.error_equals))
}

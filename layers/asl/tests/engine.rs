//! Engine behaviour beyond the AWS recordings (which have no Task states): tasks through the resolver,
//! Retry and Catch, mocked responses, task tokens, child executions, timeouts, history and quotas.
//! Expectations come from the AWS Step Functions developer guide; each test names the rule it checks.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};

use soar_asl::exec::{MockConfig, WorkflowType};
use soar_asl::resolver::{BoxFuture, Target, TaskCall, TaskResolver};
use soar_asl::{
    Engine, Execution, ExecutionOptions, StateMachine, StatesError, Status, Value, json,
};

type Handler = Box<dyn Fn(Value, u32) -> Result<Value, StatesError> + Send + Sync>;

/// Test tasks by name: a function name (Target::Function) or a full resource ARN; counts calls.
#[derive(Default)]
struct Tasks {
    handlers: HashMap<String, Handler>,
    calls: Mutex<HashMap<String, u32>>,
    tokens: Mutex<Vec<String>>,
}

impl Tasks {
    fn on(
        mut self,
        name: &str,
        f: impl Fn(Value, u32) -> Result<Value, StatesError> + Send + Sync + 'static,
    ) -> Tasks {
        self.handlers.insert(name.to_string(), Box::new(f));
        self
    }
    fn calls(&self, name: &str) -> u32 {
        self.calls.lock().unwrap().get(name).copied().unwrap_or(0)
    }
}

impl TaskResolver for Tasks {
    fn invoke<'a>(&'a self, call: TaskCall<'a>) -> BoxFuture<'a, Result<Value, StatesError>> {
        Box::pin(async move {
            let name = match call.target {
                Target::Function(f) => soar_asl::resolver::lambda_function_name(f).to_string(),
                Target::Resource(r) => r.to_string(),
            };
            if let Some(token) = call.task_token {
                self.tokens.lock().unwrap().push(token.to_string());
            }
            let n = {
                let mut calls = self.calls.lock().unwrap();
                let n = calls.entry(name.clone()).or_insert(0);
                *n += 1;
                *n
            };
            match self.handlers.get(&name) {
                Some(h) => h(call.input, n),
                None => Err(soar_asl::resolver::unknown_task(&call)),
            }
        })
    }
}

fn machine(def: serde_json::Value) -> StateMachine {
    StateMachine::from_json(def).unwrap_or_else(|e| panic!("{e}"))
}

async fn run_with(
    tasks: Arc<Tasks>,
    def: serde_json::Value,
    input: Value,
    options: ExecutionOptions,
) -> Execution {
    let engine = Engine::new(tasks);
    engine.execute(&machine(def), input, options).await
}

async fn run(tasks: Arc<Tasks>, def: serde_json::Value, input: Value) -> Execution {
    run_with(tasks, def, input, ExecutionOptions::default()).await
}

fn lambda(name: &str) -> String {
    format!("arn:aws:lambda:us-east-1:111122223333:function:{name}")
}

#[tokio::test(start_paused = true)]
async fn task_result_goes_through_result_selector_result_path_and_output_path() {
    let tasks =
        Arc::new(Tasks::default().on("enrich", |input, _| Ok(json!({"seen": input, "score": 7}))));
    let def = serde_json::json!({
        "StartAt": "Enrich",
        "States": {"Enrich": {
            "Type": "Task", "Resource": lambda("enrich"),
            "Parameters": {"id.$": "$.finding.Id"},
            "ResultSelector": {"score.$": "$.score", "echo.$": "$.seen.id"},
            "ResultPath": "$.enrichment",
            "OutputPath": "$.enrichment",
            "End": true
        }}
    });
    let exec = run(tasks, def, json!({"finding": {"Id": "f-1"}})).await;
    assert_eq!(exec.status, Status::Succeeded, "{:?}", exec.error);
    assert_eq!(exec.output.unwrap(), json!({"score": 7, "echo": "f-1"}));
}

#[tokio::test(start_paused = true)]
async fn lambda_invoke_wraps_the_result_in_aws_envelope() {
    let tasks = Arc::new(Tasks::default().on("enrich", |input, _| Ok(json!({"got": input}))));
    let def = serde_json::json!({
        "StartAt": "Call",
        "States": {"Call": {
            "Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
            "Parameters": {"FunctionName": lambda("enrich"), "Payload": {"x.$": "$.x"}},
            "End": true
        }}
    });
    let exec = run(tasks, def, json!({"x": 1})).await;
    let out = exec.output.unwrap();
    assert_eq!(out.get("Payload"), Some(&json!({"got": {"x": 1}})));
    assert_eq!(out.get("StatusCode"), Some(&json!(200)));
    assert_eq!(out.get("ExecutedVersion"), Some(&json!("$LATEST")));
    assert!(
        out.get("SdkResponseMetadata")
            .and_then(|m| m.get("RequestId"))
            .is_some()
    );
}

#[tokio::test(start_paused = true)]
async fn retry_backs_off_and_then_succeeds() {
    // "IntervalSeconds ... BackoffRate: the multiplier by which the retry interval increases".
    let tasks = Arc::new(Tasks::default().on("flaky", |_, n| {
        if n < 3 {
            Err(StatesError::new(
                "Lambda.TooManyRequestsException",
                "slow down",
            ))
        } else {
            Ok(json!("ok"))
        }
    }));
    let def = serde_json::json!({
        "StartAt": "Call",
        "States": {"Call": {
            "Type": "Task", "Resource": lambda("flaky"),
            "Retry": [{"ErrorEquals": ["Lambda.TooManyRequestsException"], "IntervalSeconds": 3, "BackoffRate": 3.0, "MaxAttempts": 5}],
            "End": true
        }}
    });
    let started = tokio::time::Instant::now();
    let exec = run(tasks.clone(), def, json!({})).await;
    assert_eq!(exec.status, Status::Succeeded, "{:?}", exec.error);
    assert_eq!(tasks.calls("flaky"), 3);
    // Waits of 3 s and 9 s on the virtual clock.
    assert_eq!(started.elapsed().as_secs(), 12);
}

#[tokio::test(start_paused = true)]
async fn max_attempts_zero_never_retries_and_max_delay_caps_backoff() {
    let tasks = Arc::new(Tasks::default().on("fails", |_, _| Err(StatesError::new("Boom", "x"))));
    let def = serde_json::json!({
        "StartAt": "Call",
        "States": {"Call": {"Type": "Task", "Resource": lambda("fails"),
            "Retry": [{"ErrorEquals": ["Boom"], "MaxAttempts": 0}], "End": true}}
    });
    let exec = run(tasks.clone(), def, json!({})).await;
    assert_eq!(exec.status, Status::Failed);
    assert_eq!(tasks.calls("fails"), 1);

    let tasks = Arc::new(Tasks::default().on("fails", |_, _| Err(StatesError::new("Boom", "x"))));
    let def = serde_json::json!({
        "StartAt": "Call",
        "States": {"Call": {"Type": "Task", "Resource": lambda("fails"),
            "Retry": [{"ErrorEquals": ["States.ALL"], "IntervalSeconds": 10, "BackoffRate": 10.0, "MaxAttempts": 3, "MaxDelaySeconds": 15}],
            "End": true}}
    });
    let started = tokio::time::Instant::now();
    let exec = run(tasks.clone(), def, json!({})).await;
    assert_eq!(exec.error.unwrap().error, "Boom");
    assert_eq!(tasks.calls("fails"), 4);
    assert_eq!(started.elapsed().as_secs(), 10 + 15 + 15);
}

#[tokio::test(start_paused = true)]
async fn catch_passes_error_output_through_result_path() {
    let tasks = Arc::new(Tasks::default().on("remediate", |_, _| {
        Err(StatesError::new("AccessDenied", "no role"))
    }));
    let def = serde_json::json!({
        "StartAt": "Remediate",
        "States": {
            "Remediate": {"Type": "Task", "Resource": lambda("remediate"),
                "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "Ticket"}], "End": true},
            "Ticket": {"Type": "Pass", "End": true}
        }
    });
    let exec = run(tasks, def, json!({"finding": "f"})).await;
    assert_eq!(
        exec.output.unwrap(),
        json!({"finding": "f", "error": {"Error": "AccessDenied", "Cause": "no role"}})
    );
}

#[tokio::test(start_paused = true)]
async fn states_runtime_is_never_caught_but_task_failed_is() {
    // "A retry or catch on States.ALL won't catch States.Runtime errors."
    let def = serde_json::json!({
        "StartAt": "Call",
        "States": {
            "Call": {"Type": "Task", "Resource": lambda("x"), "Parameters": {"a.$": "$.missing"},
                "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Caught"}], "End": true},
            "Caught": {"Type": "Succeed"}
        }
    });
    let exec = run(Arc::new(Tasks::default()), def, json!({})).await;
    assert_eq!(exec.status, Status::Failed);
    let e = exec.error.unwrap();
    assert_eq!(e.error, "States.Runtime");
    assert!(e.cause.unwrap().starts_with(
        "An error occurred while executing the state 'Call' (entered at the event id #2)."
    ));

    let tasks =
        Arc::new(Tasks::default().on("x", |_, _| Err(StatesError::new("Custom.Error", "c"))));
    let def = serde_json::json!({
        "StartAt": "Call",
        "States": {
            "Call": {"Type": "Task", "Resource": lambda("x"),
                "Catch": [{"ErrorEquals": ["States.TaskFailed"], "Next": "Caught"}], "End": true},
            "Caught": {"Type": "Succeed"}
        }
    });
    assert_eq!(run(tasks, def, json!({})).await.status, Status::Succeeded);
}

#[tokio::test(start_paused = true)]
async fn task_timeout_raises_states_timeout() {
    struct Slow;
    impl TaskResolver for Slow {
        fn invoke<'a>(&'a self, _call: TaskCall<'a>) -> BoxFuture<'a, Result<Value, StatesError>> {
            Box::pin(async {
                tokio::time::sleep(std::time::Duration::from_secs(60)).await;
                Ok(json!("late"))
            })
        }
    }
    let def = serde_json::json!({
        "StartAt": "Call",
        "States": {"Call": {"Type": "Task", "Resource": lambda("slow"), "TimeoutSeconds": 5,
            "Catch": [{"ErrorEquals": ["States.Timeout"], "ResultPath": "$.err", "Next": "Done"}], "End": true},
            "Done": {"Type": "Pass", "End": true}}
    });
    let engine = Engine::new(Arc::new(Slow));
    let exec = engine
        .execute(&machine(def), json!({}), ExecutionOptions::default())
        .await;
    assert_eq!(
        exec.output.unwrap(),
        json!({"err": {"Error": "States.Timeout"}})
    );
}

#[tokio::test(start_paused = true)]
async fn wait_for_task_token_completes_on_send_task_success() {
    let tasks = Arc::new(Tasks::default().on(
        "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
        |input, _| Ok(input),
    ));
    let def = serde_json::json!({
        "StartAt": "Ask",
        "States": {"Ask": {"Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
            "Parameters": {"MessageBody": {"token.$": "$$.Task.Token"}}, "HeartbeatSeconds": 600, "End": true}}
    });
    let engine = Engine::new(tasks.clone());
    let m = machine(def);
    let run = tokio::spawn({
        let engine = engine.clone();
        async move {
            engine
                .execute(&m, json!({}), ExecutionOptions::default())
                .await
        }
    });
    let token = loop {
        if let Some(t) = tasks.tokens.lock().unwrap().first().cloned() {
            break t;
        }
        assert!(
            !run.is_finished(),
            "the execution ended before issuing a token: {:?}",
            run.await.unwrap().error
        );
        tokio::task::yield_now().await;
    };
    engine.send_task_heartbeat(&token).unwrap();
    engine
        .send_task_success(&token, json!({"approved": true}))
        .unwrap();
    let exec = run.await.unwrap();
    assert_eq!(exec.output.unwrap(), json!({"approved": true}));
    assert!(
        engine.send_task_success(&token, json!({})).is_err(),
        "a completed token is gone"
    );
}

#[tokio::test(start_paused = true)]
async fn heartbeat_timeout_when_no_heartbeat_arrives() {
    let tasks = Arc::new(Tasks::default().on(
        "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
        |input, _| Ok(input),
    ));
    let def = serde_json::json!({
        "StartAt": "Ask",
        "States": {"Ask": {"Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
            "HeartbeatSeconds": 30, "End": true}}
    });
    let exec = run(tasks, def, json!({})).await;
    assert_eq!(exec.error.unwrap().error, "States.HeartbeatTimeout");
}

#[tokio::test(start_paused = true)]
async fn start_execution_sync_runs_the_child_on_the_same_engine() {
    let child = machine(serde_json::json!({
        "StartAt": "Double", "States": {"Double": {"Type": "Pass", "Parameters": {"v.$": "States.MathAdd($.v, $.v)"}, "End": true}}
    }));
    let parent = machine(serde_json::json!({
        "StartAt": "Child",
        "States": {"Child": {"Type": "Task", "Resource": "arn:aws:states:::states:startExecution.sync:2",
            "Parameters": {"StateMachineArn": "arn:aws:states:us-east-1:123456789012:stateMachine:Child", "Input": {"v.$": "$.v"}},
            "OutputPath": "$.Output", "End": true}}
    }));
    let engine = Engine::new(Arc::new(Tasks::default()));
    engine.register(
        "arn:aws:states:us-east-1:123456789012:stateMachine:Child",
        child,
    );
    let exec = engine
        .execute(&parent, json!({"v": 21}), ExecutionOptions::default())
        .await;
    assert_eq!(exec.output.unwrap(), json!({"v": 42}));
}

#[tokio::test(start_paused = true)]
async fn mock_config_replaces_tasks_per_invocation() {
    let config = MockConfig::parse(
        r#"{"StateMachines": {"M": {"TestCases": {"Flaky": {"Call": "ThrottledThenOk"}}}},
            "MockedResponses": {"ThrottledThenOk": {
              "0": {"Throw": {"Error": "Lambda.TooManyRequestsException", "Cause": "slow"}},
              "1": {"Return": {"StatusCode": 200, "Payload": {"ok": true}}}}}}"#,
    )
    .unwrap();
    let case = Arc::new(config.test_case(Some("M"), "Flaky").unwrap());
    let def = serde_json::json!({
        "StartAt": "Call",
        "States": {"Call": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
            "Parameters": {"FunctionName": "f", "Payload": {}},
            "Retry": [{"ErrorEquals": ["Lambda.TooManyRequestsException"], "MaxAttempts": 2}],
            "OutputPath": "$.Payload", "End": true}}
    });
    let tasks = Arc::new(Tasks::default());
    let options = ExecutionOptions {
        mock: Some(case),
        ..ExecutionOptions::default()
    };
    let exec = run_with(tasks.clone(), def, json!({}), options).await;
    assert_eq!(exec.output.unwrap(), json!({"ok": true}));
    assert_eq!(tasks.calls("f"), 0, "mocked tasks never reach the resolver");
}

#[tokio::test(start_paused = true)]
async fn history_has_aws_event_types_ids_and_previous_ids() {
    let tasks = Arc::new(Tasks::default().on("f", |_, _| Ok(json!(1))));
    let def = serde_json::json!({
        "StartAt": "P", "States": {
            "P": {"Type": "Pass", "Next": "T"},
            "T": {"Type": "Task", "Resource": lambda("f"), "End": true}}
    });
    let options = ExecutionOptions {
        history: true,
        ..ExecutionOptions::default()
    };
    let exec = run_with(tasks, def, json!({"a": 1}), options).await;
    let types: Vec<&str> = exec.history.iter().map(|e| e.event_type).collect();
    assert_eq!(
        types,
        [
            "ExecutionStarted",
            "PassStateEntered",
            "PassStateExited",
            "TaskStateEntered",
            "LambdaFunctionScheduled",
            "LambdaFunctionStarted",
            "LambdaFunctionSucceeded",
            "TaskStateExited",
            "ExecutionSucceeded"
        ]
    );
    for (i, e) in exec.history.iter().enumerate() {
        assert_eq!(e.id, i as u64 + 1);
        assert_eq!(e.previous_event_id, i as u64);
    }
    let entered = exec.history[1].to_value().to_json();
    assert_eq!(entered["stateEnteredEventDetails"]["name"], "P");
    assert_eq!(entered["stateEnteredEventDetails"]["input"], "{\"a\":1}");
}

#[tokio::test(start_paused = true)]
async fn standard_executions_stop_at_25000_history_events_express_do_not() {
    let def = serde_json::json!({
        "StartAt": "Step",
        "States": {
            "Step": {"Type": "Pass", "Parameters": {"i.$": "States.MathAdd($.i, 1)"}, "Next": "Again"},
            "Again": {"Type": "Choice", "Choices": [{"Variable": "$.i", "NumericLessThan": 20000, "Next": "Step"}], "Default": "Done"},
            "Done": {"Type": "Succeed"}
        }
    });
    let exec = run(Arc::new(Tasks::default()), def.clone(), json!({"i": 0})).await;
    assert_eq!(exec.status, Status::Failed);
    assert_eq!(exec.error.unwrap().error, "States.Runtime");
    let express = ExecutionOptions {
        workflow_type: WorkflowType::Express,
        ..ExecutionOptions::default()
    };
    let exec = run_with(Arc::new(Tasks::default()), def, json!({"i": 0}), express).await;
    assert_eq!(exec.status, Status::Succeeded);
    assert_eq!(exec.output.unwrap(), json!({"i": 20000}));
}

#[tokio::test(start_paused = true)]
async fn machine_timeout_seconds_times_the_execution_out() {
    let def = serde_json::json!({
        "TimeoutSeconds": 5,
        "StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 60, "End": true}}
    });
    let exec = run(Arc::new(Tasks::default()), def, json!({})).await;
    assert_eq!(exec.status, Status::TimedOut);
    assert_eq!(exec.error.unwrap().error, "States.Timeout");
}

#[tokio::test(start_paused = true)]
async fn wait_uses_the_virtual_clock() {
    let def = serde_json::json!({
        "StartAt": "W", "States": {"W": {"Type": "Wait", "SecondsPath": "$.s", "Next": "Stamp"},
            "Stamp": {"Type": "Pass", "Parameters": {"entered.$": "$$.State.EnteredTime", "start.$": "$$.Execution.StartTime"}, "End": true}}
    });
    let started = tokio::time::Instant::now();
    let exec = run(Arc::new(Tasks::default()), def, json!({"s": 3600})).await;
    assert_eq!(started.elapsed().as_secs(), 3600);
    let out = exec.output.unwrap();
    let entered = out
        .get("entered")
        .and_then(Value::as_str)
        .unwrap()
        .to_string();
    let start = out
        .get("start")
        .and_then(Value::as_str)
        .unwrap()
        .to_string();
    assert_ne!(entered, start, "EnteredTime is an hour after StartTime");
}

#[tokio::test(start_paused = true)]
async fn map_runs_items_with_context_and_max_concurrency() {
    let in_flight = Arc::new(AtomicU32::new(0));
    let peak = Arc::new(AtomicU32::new(0));
    struct Counting(Arc<AtomicU32>, Arc<AtomicU32>);
    impl TaskResolver for Counting {
        fn invoke<'a>(&'a self, call: TaskCall<'a>) -> BoxFuture<'a, Result<Value, StatesError>> {
            Box::pin(async move {
                let now = self.0.fetch_add(1, Ordering::SeqCst) + 1;
                self.1.fetch_max(now, Ordering::SeqCst);
                tokio::time::sleep(std::time::Duration::from_secs(1)).await;
                self.0.fetch_sub(1, Ordering::SeqCst);
                Ok(call.input)
            })
        }
    }
    let def = serde_json::json!({
        "StartAt": "Each", "States": {"Each": {
            "Type": "Map", "ItemsPath": "$.items", "MaxConcurrency": 2,
            "ItemSelector": {"index.$": "$$.Map.Item.Index", "value.$": "$$.Map.Item.Value"},
            "ItemProcessor": {"StartAt": "Work", "States": {"Work": {"Type": "Task", "Resource": lambda("w"), "End": true}}},
            "End": true}}
    });
    let engine = Engine::new(Arc::new(Counting(in_flight, peak.clone())));
    let exec = engine
        .execute(
            &machine(def),
            json!({"items": ["a", "b", "c", "d", "e"]}),
            ExecutionOptions::default(),
        )
        .await;
    assert_eq!(peak.load(Ordering::SeqCst), 2);
    assert_eq!(
        exec.output.unwrap(),
        json!([{"index": 0, "value": "a"}, {"index": 1, "value": "b"}, {"index": 2, "value": "c"}, {"index": 3, "value": "d"}, {"index": 4, "value": "e"}])
    );
}

#[tokio::test(start_paused = true)]
async fn map_tolerated_failures() {
    let tasks = Arc::new(Tasks::default().on("w", |input, _| {
        if input == json!(2) {
            Err(StatesError::new("Bad", "item 2"))
        } else {
            Ok(input)
        }
    }));
    let def = |count: u32| {
        serde_json::json!({
            "StartAt": "Each", "States": {"Each": {
                "Type": "Map", "ToleratedFailureCount": count,
                "ItemProcessor": {"StartAt": "Work", "States": {"Work": {"Type": "Task", "Resource": lambda("w"), "End": true}}},
                "End": true}}
        })
    };
    let exec = run(tasks.clone(), def(1), json!([1, 2, 3])).await;
    assert_eq!(
        exec.output.unwrap(),
        json!([1, {"Error": "Bad", "Cause": "item 2"}, 3])
    );
    let exec = run(tasks, def(0), json!([1, 2, 3])).await;
    assert_eq!(exec.error.unwrap().error, "Bad");
}

#[tokio::test(start_paused = true)]
async fn payload_over_256_kib_is_data_limit_exceeded_and_not_caught_by_states_all() {
    let tasks =
        Arc::new(Tasks::default().on("big", |_, _| Ok(Value::string("x".repeat(300 * 1024)))));
    let def = serde_json::json!({
        "StartAt": "Call", "States": {
            "Call": {"Type": "Task", "Resource": lambda("big"),
                "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Caught"}], "End": true},
            "Caught": {"Type": "Succeed"}}
    });
    let exec = run(tasks, def, json!({})).await;
    assert_eq!(exec.error.unwrap().error, "States.DataLimitExceeded");
}

#[tokio::test(start_paused = true)]
async fn unknown_task_fails_with_a_clear_error() {
    let def = serde_json::json!({"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": lambda("nope"), "End": true}}});
    let exec = run(Arc::new(Tasks::default()), def, json!({})).await;
    let e = exec.error.unwrap();
    assert_eq!(e.error, "States.TaskFailed");
    assert!(e.cause.unwrap().contains("Task state 'T'"));
}

#[tokio::test(start_paused = true)]
async fn variables_are_assigned_after_the_state_and_scoped_in_map() {
    let def = serde_json::json!({
        "StartAt": "Set",
        "States": {
            "Set": {"Type": "Pass", "Assign": {"x": 1, "seen.$": "$.v"}, "Next": "Each"},
            "Each": {"Type": "Map", "ItemsPath": "$.items",
                "ItemProcessor": {"StartAt": "Inner", "States": {"Inner": {"Type": "Pass", "Assign": {"x": 99}, "Parameters": {"outer.$": "$x"}, "End": true}}},
                "ResultPath": "$.inner", "Next": "Read"},
            "Read": {"Type": "Pass", "Parameters": {"x.$": "$x", "seen.$": "$seen", "inner.$": "$.inner"}, "End": true}
        }
    });
    let exec = run(
        Arc::new(Tasks::default()),
        def,
        json!({"v": "hello", "items": [1, 2]}),
    )
    .await;
    assert_eq!(
        exec.output.unwrap(),
        json!({"x": 1, "seen": "hello", "inner": [{"outer": 1}, {"outer": 1}]})
    );
}

#[tokio::test(start_paused = true)]
async fn jsonata_task_arguments_output_and_assign() {
    let tasks = Arc::new(Tasks::default().on("score", |input, _| {
        Ok(json!({"score": input.get("sev").and_then(Value::as_i64).unwrap() * 10}))
    }));
    let def = serde_json::json!({
        "QueryLanguage": "JSONata",
        "StartAt": "Score",
        "States": {"Score": {"Type": "Task", "Resource": lambda("score"),
            "Arguments": {"sev": "{% $states.input.severity %}"},
            "Assign": {"last": "{% $states.result.score %}"},
            "Output": {"score": "{% $states.result.score %}", "state": "{% $states.context.State.Name %}"},
            "Next": "Read"},
            "Read": {"Type": "Pass", "Output": {"last": "{% $last %}", "prev": "{% $states.input.score %}"}, "End": true}}
    });
    let exec = run(tasks, def, json!({"severity": 7})).await;
    assert_eq!(exec.output.unwrap(), json!({"last": 70, "prev": 70}));
}

#[tokio::test(start_paused = true)]
async fn result_path_into_a_non_object_is_reference_path_conflict() {
    // Seen in real executions: `States.ReferencePathConflict: Unable to apply step "x" to input ...`.
    let def = serde_json::json!({
        "StartAt": "P", "States": {"P": {"Type": "Pass", "Result": 1, "ResultPath": "$.a.b", "End": true}}
    });
    let exec = run(Arc::new(Tasks::default()), def, json!({"a": "text"})).await;
    let e = exec.error.unwrap();
    assert_eq!(e.error, "States.ReferencePathConflict");
    assert!(e.cause.unwrap().contains("Unable to apply step \"b\""));
}

//! Distributed Map against AWS's recordings (`tests/distributed-map/*.json`, see its README): each case
//! puts its S3 objects in a temporary folder served by `LocalObjectStore`, runs the definition with
//! history, and compares status, output, error and cause with what AWS returned. Values AWS recorded as
//! placeholders (ETags, dates, Map Run ids) are checked for shape instead of equality.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde_json::{Value as Json, json};
use soar_asl::objects::LocalObjectStore;
use soar_asl::resolver::NoTasks;
use soar_asl::{Engine, ExecutionOptions, StateMachine, Status, Value};

fn fixtures() -> Vec<(String, Json)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/distributed-map");
    let mut out: Vec<_> = std::fs::read_dir(&dir)
        .expect("tests/distributed-map")
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .map(|p| {
            let text = std::fs::read_to_string(&p).unwrap();
            let name = p.file_stem().unwrap().to_string_lossy().into_owned();
            (name, serde_json::from_str(&text).unwrap())
        })
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

fn write_objects(root: &Path, objects: &Json) {
    for (bucket, keys) in objects.as_object().into_iter().flatten() {
        std::fs::create_dir_all(root.join(bucket)).unwrap();
        for (key, body) in keys.as_object().unwrap() {
            let path = root.join(bucket).join(key);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, body.as_str().unwrap()).unwrap();
        }
    }
}

/// Replaces every placeholder position (a JSON pointer) in both values with a marker, after checking
/// that the engine produced a non-empty scalar there.
fn mask(got: &mut Json, expected: &mut Json, pointers: &[String]) -> Result<(), String> {
    for p in pointers {
        let shown = got.to_string();
        let g = got
            .pointer_mut(p)
            .ok_or_else(|| format!("no value at {p} in {shown}"))?;
        let present = match g {
            Json::String(s) => !s.is_empty(),
            Json::Number(_) => true,
            _ => false,
        };
        if !present {
            return Err(format!("{p}: expected a value, got {g}"));
        }
        *g = json!("<masked>");
        *expected.pointer_mut(p).unwrap() = json!("<masked>");
    }
    Ok(())
}

async fn run_case(name: &str, case: &Json) -> Result<(), String> {
    let machine = StateMachine::from_json(case["definition"].clone())
        .map_err(|e| format!("rejected: {e}"))?;
    let root = tempfile::tempdir().unwrap();
    write_objects(root.path(), &case["objects"]);
    let engine = Engine::new(Arc::new(NoTasks));
    engine.set_object_store(Arc::new(LocalObjectStore::new(root.path())));
    let input = Value::from(case["input"].clone());
    let options = ExecutionOptions {
        history: true,
        ..ExecutionOptions::default()
    };
    let execution = engine.execute(&machine, input, options).await;
    let expected = &case["expected"];
    if execution.status.as_str() != expected["status"] {
        return Err(format!(
            "status {} != {} ({:?})",
            execution.status.as_str(),
            expected["status"],
            execution.error
        ));
    }
    if execution.status == Status::Succeeded {
        let mut got = execution.output.unwrap().to_json();
        let mut want = expected["output"].clone();
        let pointers: Vec<String> = case["placeholders"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|p| p.as_str().unwrap().to_string())
            .collect();
        if name == "result-writer" {
            check_result_writer(&got, root.path())?;
        }
        mask(&mut got, &mut want, &pointers)?;
        // serde_json's maps compare without regard to key order, as AWS's CSV items require.
        if got != want {
            return Err(format!("output {got} != {want}"));
        }
    } else {
        let error = execution.error.unwrap();
        if error.error != expected["error"] {
            return Err(format!("error {} != {}", error.error, expected["error"]));
        }
        if case["cause_placeholders"] != json!(true)
            && error.cause.as_deref() != expected["cause"].as_str()
        {
            return Err(format!("cause {:?} != {}", error.cause, expected["cause"]));
        }
    }
    Ok(())
}

/// The ResultWriter wrote a manifest at the key it returned, naming the Map Run and its result file.
fn check_result_writer(output: &Json, root: &Path) -> Result<(), String> {
    let arn = output["MapRunArn"].as_str().unwrap_or_default();
    let run_id = arn.rsplit(':').next().unwrap_or_default();
    if !arn.contains(":mapRun:StateMachine/TestMap:") {
        return Err(format!("MapRunArn {arn}"));
    }
    let key = output["ResultWriterDetails"]["Key"].as_str().unwrap();
    if key != format!("mapJobs/{run_id}/manifest.json") {
        return Err(format!("key {key} for run {run_id}"));
    }
    let manifest: Json =
        serde_json::from_slice(&std::fs::read(root.join("soar-test-bucket").join(key)).unwrap())
            .unwrap();
    assert_eq!(manifest["MapRunArn"], arn);
    let file = manifest["ResultFiles"]["SUCCEEDED"][0]["Key"]
        .as_str()
        .unwrap();
    let results: Json =
        serde_json::from_slice(&std::fs::read(root.join("soar-test-bucket").join(file)).unwrap())
            .unwrap();
    // Exported results default to Transformation NONE: whole execution records.
    let outputs: Vec<&str> = results
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["Output"].as_str().unwrap())
        .collect();
    assert_eq!(outputs, ["\"Hello\"", "\"World\""]);
    assert_eq!(results[0]["Status"], "SUCCEEDED");
    Ok(())
}

#[tokio::test(start_paused = true)]
async fn distributed_map_matches_aws_recordings() {
    let cases = fixtures();
    assert!(cases.len() >= 40, "fixtures missing: {}", cases.len());
    let mut failures = Vec::new();
    for (name, case) in &cases {
        if let Err(e) = run_case(name, case).await {
            failures.push(format!("{name}: {e}"));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} Distributed Map recordings differ:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

// Behaviour the recordings do not cover, with expectations from the Distributed Map pages of the AWS
// Step Functions developer guide.

/// Runs `definition` with objects `(bucket, key, body)` in a local store; returns the execution and the
/// store's folder (kept alive for inspection).
async fn run_with_objects(
    definition: Json,
    input: Json,
    objects: &[(&str, &str, &str)],
) -> (soar_asl::Execution, tempfile::TempDir) {
    let machine = StateMachine::from_json(definition).expect("valid definition");
    let root = tempfile::tempdir().unwrap();
    for (bucket, key, body) in objects {
        let path = root.path().join(bucket).join(key);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, body).unwrap();
    }
    let engine = Engine::new(Arc::new(NoTasks));
    engine.set_object_store(Arc::new(LocalObjectStore::new(root.path())));
    let options = ExecutionOptions {
        history: true,
        ..ExecutionOptions::default()
    };
    let execution = engine.execute(&machine, Value::from(input), options).await;
    (execution, root)
}

fn distributed(processor_states: Json, start: &str, extra: Json) -> Json {
    let mut map = json!({
        "Type": "Map",
        "ItemProcessor": {
            "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
            "StartAt": start,
            "States": processor_states
        },
        "End": true
    });
    map.as_object_mut()
        .unwrap()
        .extend(extra.as_object().unwrap().clone());
    json!({"StartAt": "Each", "States": {"Each": map}})
}

fn event_types(execution: &soar_asl::Execution) -> Vec<&'static str> {
    execution.history.iter().map(|e| e.event_type).collect()
}

#[tokio::test(start_paused = true)]
async fn each_item_runs_as_a_child_execution_named_after_the_map_label() {
    // "Each child workflow execution ... has its own execution history" and is a separate execution of
    // the state machine `<parent>/<Label>`.
    let def = distributed(
        json!({"Who": {"Type": "Pass", "End": true, "Parameters": {
            "execution.$": "$$.Execution.Id",
            "machine.$": "$$.StateMachine.Name",
            "input.$": "$$.Execution.Input"}}}),
        "Who",
        json!({"Label": "PerFinding"}),
    );
    let (exec, _root) = run_with_objects(def, json!(["a", "b"]), &[]).await;
    assert_eq!(exec.status, Status::Succeeded, "{:?}", exec.error);
    let out = exec.output.clone().unwrap().to_json();
    assert_eq!(out[0]["machine"], "StateMachine/PerFinding");
    assert_eq!(out[1]["input"], "b");
    let first = out[0]["execution"].as_str().unwrap();
    assert!(
        first.contains(":execution:StateMachine/PerFinding:"),
        "{first}"
    );
    assert_ne!(out[0]["execution"], out[1]["execution"]);
    // The parent's history shows the Map Run, not the children's states.
    assert_eq!(
        event_types(&exec),
        [
            "ExecutionStarted",
            "MapStateEntered",
            "MapStateStarted",
            "MapRunStarted",
            "MapRunSucceeded",
            "MapStateSucceeded",
            "MapStateExited",
            "ExecutionSucceeded"
        ]
    );
}

#[tokio::test(start_paused = true)]
async fn a_failed_child_fails_the_map_run_unless_tolerated() {
    let states = json!({
        "Check": {"Type": "Choice",
            "Choices": [{"Variable": "$", "StringEquals": "bad", "Next": "Broken"}],
            "Default": "Fine"},
        "Broken": {"Type": "Fail", "Error": "Finding.Malformed", "Cause": "no resource"},
        "Fine": {"Type": "Pass", "End": true}
    });
    // "If the failed item count exceeds the threshold, the Map Run fails with
    // States.ExceedToleratedFailureThreshold"; the default threshold is zero.
    let (exec, _root) = run_with_objects(
        distributed(states.clone(), "Check", json!({})),
        json!(["ok", "bad", "ok"]),
        &[],
    )
    .await;
    let e = exec.error.clone().unwrap();
    assert_eq!(e.error, "States.ExceedToleratedFailureThreshold");
    assert!(event_types(&exec).contains(&"MapRunFailed"));

    // One failure out of three is within ToleratedFailureCount 1: the failed child's execution record
    // (with its Error and Cause) takes its place in the result.
    let (exec, _root) = run_with_objects(
        distributed(states, "Check", json!({"ToleratedFailureCount": 1})),
        json!(["ok", "bad", "ok"]),
        &[],
    )
    .await;
    assert_eq!(exec.status, Status::Succeeded, "{:?}", exec.error);
    let out = exec.output.unwrap().to_json();
    assert_eq!(out[0], "ok");
    assert_eq!(out[1]["Status"], "FAILED");
    assert_eq!(out[1]["Error"], "Finding.Malformed");
    assert_eq!(out[1]["Input"], "\"bad\"");
    assert_eq!(out[2], "ok");
}

#[tokio::test(start_paused = true)]
async fn item_batcher_splits_by_item_count_and_by_bytes() {
    let pass = json!({"P": {"Type": "Pass", "End": true}});
    let (exec, _root) = run_with_objects(
        distributed(
            pass.clone(),
            "P",
            json!({"ItemBatcher": {"MaxItemsPerBatch": 2, "BatchInput": {"run.$": "$.run"}},
                   "ItemsPath": "$.items"}),
        ),
        json!({"run": 7, "items": [1, 2, 3, 4, 5]}),
        &[],
    )
    .await;
    assert_eq!(
        exec.output.unwrap().to_json(),
        json!([
            {"BatchInput": {"run": 7}, "Items": [1, 2]},
            {"BatchInput": {"run": 7}, "Items": [3, 4]},
            {"BatchInput": {"run": 7}, "Items": [5]}
        ])
    );
    // Each item is 12 bytes ("xxxxxxxxxx" with quotes) plus a comma; `{"Items":[]}` is 11 bytes, so a
    // 40-byte batch holds two items.
    let item = "x".repeat(10);
    let (exec, _root) = run_with_objects(
        distributed(
            pass,
            "P",
            json!({"ItemBatcher": {"MaxInputBytesPerBatch": 40}}),
        ),
        json!([item, item, item]),
        &[],
    )
    .await;
    let out = exec.output.unwrap().to_json();
    let sizes: Vec<usize> = out
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["Items"].as_array().unwrap().len())
        .collect();
    assert_eq!(sizes, [2, 1]);
    for batch in out.as_array().unwrap() {
        assert!(batch.to_string().len() <= 40, "{batch}");
    }
}

#[tokio::test(start_paused = true)]
async fn item_reader_reads_jsonl_delimited_csv_and_listings_under_a_prefix() {
    let pass = json!({"P": {"Type": "Pass", "End": true}});
    let reader = |config: Json, resource: &str, params: Json| {
        distributed(
            pass.clone(),
            "P",
            json!({"ItemReader": {"Resource": resource, "ReaderConfig": config, "Parameters": params}}),
        )
    };
    let objects = [
        ("b", "findings.jsonl", "{\"id\": 1}\n\n{\"id\": 2}\n"),
        (
            "b",
            "accounts.csv",
            "id;name\n111;\"Prod; EU\"\n222;\"say \"\"hi\"\"\"\n",
        ),
        ("b", "logs/2026/a.txt", "hello"),
        ("b", "logs/2026/b.txt", "hi"),
        ("b", "other.txt", "x"),
    ];
    let get = "arn:aws:states:::s3:getObject";
    let (exec, _root) = run_with_objects(
        reader(
            json!({"InputType": "JSONL"}),
            get,
            json!({"Bucket": "b", "Key": "findings.jsonl"}),
        ),
        json!({}),
        &objects,
    )
    .await;
    assert_eq!(
        exec.output.unwrap().to_json(),
        json!([{"id": 1}, {"id": 2}])
    );

    let (exec, _root) = run_with_objects(
        reader(
            json!({"InputType": "CSV", "CSVHeaderLocation": "FIRST_ROW", "CSVDelimiter": "SEMICOLON"}),
            get,
            json!({"Bucket": "b", "Key": "accounts.csv"}),
        ),
        json!({}),
        &objects,
    )
    .await;
    assert_eq!(
        exec.output.unwrap().to_json(),
        json!([{"id": "111", "name": "Prod; EU"}, {"id": "222", "name": "say \"hi\""}])
    );

    let (exec, _root) = run_with_objects(
        reader(
            json!({"MaxItems": 5}),
            "arn:aws:states:::s3:listObjectsV2",
            json!({"Bucket": "b", "Prefix": "logs/"}),
        ),
        json!({}),
        &objects,
    )
    .await;
    let out = exec.output.unwrap().to_json();
    assert_eq!(out.as_array().unwrap().len(), 2);
    assert_eq!(out[0]["Key"], "logs/2026/a.txt");
    assert_eq!(out[0]["Size"], 5);
    // An object's ETag is the quoted MD5 of its body (single-part upload); LastModified is in seconds.
    assert_eq!(out[0]["Etag"], "\"5d41402abc4b2a76b9719d911017c592\"");
    assert!(out[0]["LastModified"].as_i64().unwrap() > 1_600_000_000);
}

#[tokio::test(start_paused = true)]
async fn reader_failures_are_catchable_and_name_the_object() {
    let mut def = distributed(
        json!({"P": {"Type": "Pass", "End": true}}),
        "P",
        json!({"ItemReader": {"Resource": "arn:aws:states:::s3:getObject",
            "ReaderConfig": {"InputType": "JSON"},
            "Parameters": {"Bucket": "b", "Key.$": "$.key"}},
            "Catch": [{"ErrorEquals": ["States.ItemReaderFailed"], "Next": "Ticket"}]}),
    );
    def["States"]["Each"].as_object_mut().unwrap().remove("End");
    def["States"]["Each"]["Next"] = json!("Done");
    def["States"]["Ticket"] = json!({"Type": "Pass", "End": true});
    def["States"]["Done"] = json!({"Type": "Succeed"});
    let (exec, _root) = run_with_objects(
        def,
        json!({"key": "missing.json"}),
        &[("b", "x.json", "[]")],
    )
    .await;
    assert_eq!(exec.status, Status::Succeeded);
    let out = exec.output.unwrap().to_json();
    assert_eq!(out["Error"], "States.ItemReaderFailed");
    let cause = out["Cause"].as_str().unwrap();
    assert!(
        cause.contains("s3://b/missing.json") && cause.contains("NoSuchKey"),
        "{cause}"
    );
}

#[tokio::test(start_paused = true)]
async fn an_item_reader_without_an_object_store_fails_loudly() {
    let def = distributed(
        json!({"P": {"Type": "Pass", "End": true}}),
        "P",
        json!({"ItemReader": {"Resource": "arn:aws:states:::s3:getObject",
            "ReaderConfig": {"InputType": "JSON"},
            "Parameters": {"Bucket": "findings", "Key": "all.json"}}}),
    );
    let machine = StateMachine::from_json(def).unwrap();
    let engine = Engine::new(Arc::new(NoTasks));
    let exec = engine
        .execute(
            &machine,
            Value::from(json!({})),
            ExecutionOptions::default(),
        )
        .await;
    let e = exec.error.unwrap();
    assert_eq!(e.error, "States.ItemReaderFailed");
    assert!(e.cause.unwrap().contains("'findings'"));
}

#[tokio::test(start_paused = true)]
async fn writer_config_alone_reshapes_the_result_without_exporting() {
    // "WriterConfig - to preview the formatted output, without saving the results to Amazon S3";
    // FLATTEN flattens array outputs.
    let def = distributed(
        json!({"Pair": {"Type": "Pass", "End": true, "Parameters": {"pair.$": "States.Array($, $)"}, "OutputPath": "$.pair"}}),
        "Pair",
        json!({"ResultWriter": {"WriterConfig": {"Transformation": "FLATTEN", "OutputType": "JSON"}}}),
    );
    let (exec, root) = run_with_objects(def, json!([1, 2]), &[]).await;
    assert_eq!(exec.output.unwrap().to_json(), json!([1, 1, 2, 2]));
    assert_eq!(std::fs::read_dir(root.path()).unwrap().count(), 0);
}

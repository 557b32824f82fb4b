//! Engine throughput: state transitions per second for a Pass/Choice loop over a ~2 KB finding-like
//! document (with and without history), a 10,000-item Map (inline, and distributed in batches), and a
//! Parallel fan-out.
//!
//! Run with `cargo bench --bench engine`. divan prints items/s; one item is one state transition.

use std::sync::Arc;

use divan::counter::ItemsCount;
use soar_asl::exec::WorkflowType;
use soar_asl::resolver::NoTasks;
use soar_asl::{Engine, ExecutionOptions, StateMachine, Value};

fn main() {
    divan::main();
}

const LOOP_ITERATIONS: i64 = 10_000;

fn machine(def: serde_json::Value) -> StateMachine {
    StateMachine::from_json(def).expect("benchmark machine is valid")
}

/// A Security Hub finding of about 2 KB.
fn finding() -> Value {
    let text = include_str!("finding.json");
    Value::from_json_str(text).expect("finding.json is JSON")
}

fn loop_machine() -> StateMachine {
    machine(serde_json::json!({
        "StartAt": "Step",
        "States": {
            "Step": {
                "Type": "Pass",
                "Parameters": {"i.$": "States.MathAdd($.i, 1)", "n.$": "$.n", "payload.$": "$.payload"},
                "Next": "Again"
            },
            "Again": {
                "Type": "Choice",
                "Choices": [{"Variable": "$.i", "NumericLessThanPath": "$.n", "Next": "Step"}],
                "Default": "Done"
            },
            "Done": {"Type": "Succeed"}
        }
    }))
}

fn run(machine: &StateMachine, input: Value, history: bool) -> u64 {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let engine = Engine::new(Arc::new(NoTasks));
    let options = ExecutionOptions {
        history,
        workflow_type: WorkflowType::Express,
        ..ExecutionOptions::default()
    };
    let execution = runtime.block_on(engine.execute(machine, input, options));
    assert_eq!(
        execution.status,
        soar_asl::Status::Succeeded,
        "{:?}",
        execution.error
    );
    execution.event_count
}

fn loop_input() -> Value {
    let mut m = soar_asl::value::Map::default();
    m.insert("i".into(), Value::int(0));
    m.insert("n".into(), Value::int(LOOP_ITERATIONS));
    m.insert("payload".into(), finding());
    Value::from_map(m)
}

/// 2 transitions per iteration (Pass, Choice) plus the final Succeed.
const LOOP_TRANSITIONS: u64 = 2 * LOOP_ITERATIONS as u64 + 1;

#[divan::bench]
fn pass_choice_loop(bencher: divan::Bencher) {
    let m = loop_machine();
    let input = loop_input();
    bencher
        .counter(ItemsCount::new(LOOP_TRANSITIONS))
        .bench_local(|| run(&m, input.clone(), false));
}

#[divan::bench]
fn pass_choice_loop_with_history(bencher: divan::Bencher) {
    let m = loop_machine();
    let input = loop_input();
    bencher
        .counter(ItemsCount::new(LOOP_TRANSITIONS))
        .bench_local(|| run(&m, input.clone(), true));
}

#[divan::bench]
fn map_10000_items(bencher: divan::Bencher) {
    let m = machine(serde_json::json!({
        "StartAt": "Each",
        "States": {
            "Each": {
                "Type": "Map",
                "ItemsPath": "$.items",
                "ItemSelector": {"value.$": "$$.Map.Item.Value", "index.$": "$$.Map.Item.Index"},
                "ItemProcessor": {"StartAt": "Mark", "States": {"Mark": {"Type": "Pass", "Result": "done", "ResultPath": "$.status", "End": true}}},
                // 10,000 results are more than the 256 KiB payload quota allows, on AWS too.
                "ResultPath": null,
                "End": true
            }
        }
    }));
    let items: Vec<Value> = (0..10_000).map(Value::int).collect();
    let mut input = soar_asl::value::Map::default();
    input.insert("items".into(), Value::from_vec(items));
    let input = Value::from_map(input);
    // One Map state plus one Pass per item.
    bencher
        .counter(ItemsCount::new(10_001u64))
        .bench_local(|| run(&m, input.clone(), false));
}

/// The same 10,000 items as child executions of a Distributed Map, in batches of 100.
#[divan::bench]
fn distributed_map_10000_items_in_batches(bencher: divan::Bencher) {
    let m = machine(serde_json::json!({
        "StartAt": "Each",
        "States": {
            "Each": {
                "Type": "Map",
                "ItemsPath": "$.items",
                "ItemBatcher": {"MaxItemsPerBatch": 100},
                "ItemProcessor": {
                    "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "EXPRESS"},
                    "StartAt": "Count",
                    "States": {"Count": {"Type": "Pass", "Parameters": {"n.$": "States.ArrayLength($.Items)"}, "End": true}}
                },
                "ResultPath": null,
                "End": true
            }
        }
    }));
    let items: Vec<Value> = (0..10_000).map(Value::int).collect();
    let mut input = soar_asl::value::Map::default();
    input.insert("items".into(), Value::from_vec(items));
    let input = Value::from_map(input);
    // Counted per item: one Map state plus 10,000 items through 100 child executions.
    bencher
        .counter(ItemsCount::new(10_001u64))
        .bench_local(|| run(&m, input.clone(), false));
}

#[divan::bench]
fn parallel_fan_out(bencher: divan::Bencher) {
    // State names are unique across the whole machine, branches included (as AWS requires).
    let branches: Vec<serde_json::Value> = (0..100)
        .map(|i| {
            let (a, b) = (format!("A{i}"), format!("B{i}"));
            serde_json::json!({"StartAt": a, "States": {a.clone(): {"Type": "Pass", "Next": b}, b: {"Type": "Pass", "End": true}}})
        })
        .collect();
    let m = machine(serde_json::json!({
        "StartAt": "Fan",
        "States": {"Fan": {"Type": "Parallel", "Branches": branches, "End": true}}
    }));
    let input = finding();
    // One Parallel state plus two Pass states per branch.
    bencher
        .counter(ItemsCount::new(201u64))
        .bench_local(|| run(&m, input.clone(), false));
}

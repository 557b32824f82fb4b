//! The main job's throughput: findings per second through SOARASFFProcessor on the embedded defaults
//! (the real state machines from template.yaml, the real task functions, an in-memory SQLite store).
//!
//! Run with `cargo bench --bench pipeline`. divan prints items/s; one item is one finding.

use std::path::Path;
use std::sync::Arc;

use divan::counter::ItemsCount;
use futures::stream::{self, StreamExt};
use serde_json::{Value as Json, json};
use soar::runner::{LocalRunner, imported_event, route_of};
use soar_asl::{ExecutionOptions, Status, Value};
use soar_functions::{Registry, Services, Settings};
use soar_store::{ChangeContext, FindingStore, GroupCommit, LocalStore};

/// The allocator the `soar` binary uses.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    divan::main();
}

const FINDINGS: usize = 2_000;

/// `n` distinct failed-control findings spread over the three example accounts.
fn findings(n: usize, round: usize) -> Vec<Json> {
    let base: Json =
        serde_json::from_str(include_str!("../examples/findings/cis-1.2.0-rule-2.7.json")).unwrap();
    let accounts = ["111122223333", "444455556666", "777788889999"];
    (0..n)
        .map(|i| {
            let mut f = base.clone();
            let account = accounts[i % accounts.len()];
            f["Id"] = json!(format!("{}-{round}-{i}", base["Id"].as_str().unwrap()));
            f["AwsAccountId"] = json!(account);
            f["Resources"][0]["Id"] =
                json!(format!("arn:aws:cloudtrail:eu-west-1:{account}:trail/t{i}"));
            f
        })
        .collect()
}

fn runner_over(store: &Arc<LocalStore>) -> Arc<LocalRunner> {
    let services = Services::local(store.clone(), Settings::embedded());
    let template = Path::new(env!("CARGO_MANIFEST_DIR")).join("template.yaml");
    Arc::new(LocalRunner::from_template_file(&template, Registry::soar(), services).unwrap())
}

/// New findings, each ticketed and e-mailed: the longest common route (14 states, 9 task calls), over
/// the store `soar process` uses (SQLite in WAL mode with grouped commits, `.eml` files in an outbox
/// folder).
#[divan::bench(sample_count = 10)]
fn ticketed_findings(bencher: divan::Bencher) {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(
        LocalStore::open(dir.path())
            .unwrap()
            .with_group_commit(GroupCommit::default()),
    );
    process(bencher, &store);
}

/// The same over an in-memory store (SQLite in memory, e-mails kept in memory): the engine and the
/// task functions without the disk.
#[divan::bench(sample_count = 10)]
fn ticketed_findings_in_memory(bencher: divan::Bencher) {
    let store = Arc::new(
        LocalStore::in_memory()
            .unwrap()
            .with_group_commit(GroupCommit::default()),
    );
    process(bencher, &store);
}

/// The steady state: findings Security Hub delivers again (a later `UpdatedAt`, still failing) while
/// their ticket is open, which is most of what an organisation's periodic re-evaluations send. Each is
/// validated, enriched and routed, and ends as `no_action`. Preparing each sample (not timed) first
/// tickets the findings, then imports their re-evaluation into the store, as Security Hub would
/// before delivering the events.
#[divan::bench(sample_count = 10)]
fn reevaluated_findings(bencher: divan::Bencher) {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(
        LocalStore::open(dir.path())
            .unwrap()
            .with_group_commit(GroupCommit::default()),
    );
    let runner = runner_over(&store);
    let runtime = runtime();
    let mut round = 0;
    bencher
        .counter(ItemsCount::new(FINDINGS))
        .with_inputs(|| {
            round += 1;
            let batch = findings(FINDINGS, round);
            import(&store, &batch);
            runtime.block_on(run_all(&runner, batch.clone(), "ticketed"));
            let again: Vec<Json> = batch
                .into_iter()
                .map(|mut f| {
                    f["UpdatedAt"] = json!("2026-11-23T12:00:00.000Z");
                    f
                })
                .collect();
            import(&store, &again);
            again
        })
        .bench_local_values(|batch| runtime.block_on(run_all(&runner, batch, "no_action")));
}

fn process(bencher: divan::Bencher, store: &Arc<LocalStore>) {
    let runner = runner_over(store);
    let runtime = runtime();
    let mut round = 0;
    bencher
        .counter(ItemsCount::new(FINDINGS))
        .with_inputs(|| {
            round += 1;
            let batch = findings(FINDINGS, round);
            import(store, &batch);
            batch
        })
        .bench_local_values(|batch| runtime.block_on(run_all(&runner, batch, "ticketed")));
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap()
}

/// Security Hub's side: the findings are in its store before their events are delivered.
fn import(store: &LocalStore, batch: &[Json]) {
    for chunk in batch.chunks(100) {
        store
            .batch_import_findings(chunk, &ChangeContext::new("finding-provider"))
            .unwrap();
    }
}

/// Runs every finding through SOARASFFProcessor as `soar process` does: each execution a tokio task
/// (so on every core), at most 64 at once; each must take `route`.
async fn run_all(runner: &Arc<LocalRunner>, batch: Vec<Json>, route: &'static str) {
    stream::iter(batch)
        .map(|f| {
            let runner = Arc::clone(runner);
            tokio::spawn(async move {
                let e = runner
                    .run(
                        "AsffProcessor",
                        Value::from(imported_event(&f)),
                        ExecutionOptions::default(),
                    )
                    .await
                    .unwrap();
                assert_eq!(e.status, Status::Succeeded, "{:?}", e.error);
                let output = e.output.unwrap();
                let taken = match output["db"]["route"].as_str() {
                    Some(taken) => taken.to_owned(),
                    None => route_of(&output.to_json()).to_owned(),
                };
                assert_eq!(taken, route);
            })
        })
        .buffer_unordered(64)
        .for_each(|joined| async { joined.unwrap() })
        .await
}

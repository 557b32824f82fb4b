//! The `soar` command end to end: `exec` (one JSON object on stdout; exit 0 succeeded, 1 failed, 2 bad usage
//! or invalid definition), `validate` and `graph`, run on the real binary.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn soar(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_soar"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("soar runs")
}

fn stdout_json(out: &Output) -> serde_json::Value {
    let text = String::from_utf8_lossy(&out.stdout);
    serde_json::from_str(text.trim())
        .unwrap_or_else(|e| panic!("stdout is not one JSON object ({e}): {text}"))
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn exec_succeeds_with_output_and_exit_0() {
    let out = soar(&[
        "exec",
        "examples/asl/triage.asl.yaml",
        "--input-file",
        "examples/asl/finding-event.json",
        "--fast-wait",
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v = stdout_json(&out);
    assert_eq!(v["status"], "SUCCEEDED");
    assert_eq!(v["output"]["findings"], 5);
    let routes: Vec<&str> = v["output"]["routes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["route"].as_str().unwrap())
        .collect();
    assert_eq!(
        routes,
        [
            "ticketed",
            "incident",
            "ticket_closed",
            "no_action",
            "no_action"
        ]
    );
}

#[test]
fn exec_failure_prints_error_and_cause_and_exits_1() {
    let dir = tempfile::tempdir().unwrap();
    let def = write(
        dir.path(),
        "m.asl.json",
        r#"{"StartAt":"pass","States":{"pass":{"Type":"Pass","InputPath":"$.y","End":true}}}"#,
    );
    let out = soar(&["exec", def.to_str().unwrap(), "--input", r#"{"x":1}"#]);
    assert_eq!(out.status.code(), Some(1));
    let v = stdout_json(&out);
    assert_eq!(v["status"], "FAILED");
    assert_eq!(v["error"], "States.Runtime");
    assert_eq!(
        v["cause"],
        "An error occurred while executing the state 'pass' (entered at the event id #2). Invalid path '$.y' : No results for path: $['y']"
    );
}

#[test]
fn exec_with_mock_config_and_substitution() {
    let out = soar(&[
        "exec",
        "examples/asl/remediate.asl.yaml",
        "--input-file",
        "examples/asl/finding-event.json",
        "--sub",
        "RemediateFunctionArn=arn:aws:lambda:eu-west-1:111122223333:function:remediate",
        "--mock-config",
        "examples/asl/remediate.mocks.json",
        "--test-case",
        "ThrottledThenFixed",
        "--fast-wait",
        "--history",
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v = stdout_json(&out);
    assert_eq!(v["output"]["route"], "remediated");
    let types: Vec<&str> = v["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["type"].as_str().unwrap())
        .collect();
    // Two throttled attempts, then success; each attempt is scheduled, started and failed or succeeded.
    assert_eq!(types.iter().filter(|t| **t == "TaskFailed").count(), 2);
    assert_eq!(types.iter().filter(|t| **t == "TaskSucceeded").count(), 1);
    assert_eq!(types.first(), Some(&"ExecutionStarted"));
    assert_eq!(types.last(), Some(&"ExecutionSucceeded"));
}

#[test]
fn a_missing_substitution_is_bad_usage() {
    let out = soar(&["exec", "examples/asl/remediate.asl.yaml"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("no substitution given for ${RemediateFunctionArn}"),
        "{stderr}"
    );
    assert!(
        stderr.contains("/States/Remediate/Parameters/FunctionName"),
        "{stderr}"
    );
    assert!(out.stdout.is_empty());
}

#[test]
fn invalid_definition_exits_2_with_diagnostics_naming_the_place() {
    let dir = tempfile::tempdir().unwrap();
    let def = write(
        dir.path(),
        "bad.asl.json",
        r#"{"StartAt":"A","States":{"A":{"Type":"Pass","Next":"Nowhere"}}}"#,
    );
    let out = soar(&["exec", def.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("/States/A/Next"), "{stderr}");
    assert!(out.stdout.is_empty());
}

#[test]
fn bad_usage_exits_2() {
    assert_eq!(soar(&["exec"]).status.code(), Some(2));
    assert_eq!(soar(&["frobnicate"]).status.code(), Some(2));
    let out = soar(&[
        "exec",
        "examples/asl/triage.asl.yaml",
        "--input",
        "{not json",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("the input is not valid JSON"));
}

#[test]
fn validate_reports_every_file() {
    let dir = tempfile::tempdir().unwrap();
    let bad = write(
        dir.path(),
        "bad.asl.json",
        r#"{"StartAt":"A","States":{"A":{"Type":"Pass","End":true},"B":{"Type":"Pass","End":true}}}"#,
    );
    let out = soar(&[
        "validate",
        "examples/asl/triage.asl.yaml",
        bad.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("triage.asl.yaml: valid"), "{stdout}");
    assert!(stdout.contains("/States/B"), "{stdout}");
    let out = soar(&["validate", "examples/asl/triage.asl.yaml"]);
    assert_eq!(out.status.code(), Some(0));
}

#[test]
fn graph_draws_mermaid_and_dot() {
    let out = soar(&[
        "graph",
        "examples/asl/remediate.asl.yaml",
        "--sub",
        "RemediateFunctionArn=f",
    ]);
    assert_eq!(out.status.code(), Some(0));
    let mermaid = String::from_utf8_lossy(&out.stdout);
    assert!(mermaid.starts_with("flowchart TD"), "{mermaid}");
    assert!(mermaid.contains("Remediate --> Resolved"), "{mermaid}");
    assert!(
        mermaid.contains("Remediate -.->|\"catch States.ALL\"| OpenTicket"),
        "{mermaid}"
    );
    let out = soar(&["graph", "examples/asl/triage.asl.yaml", "--format", "dot"]);
    let dot = String::from_utf8_lossy(&out.stdout);
    assert!(dot.starts_with("digraph StateMachine {"), "{dot}");
    assert!(dot.contains("subgraph cluster_Findings_items"), "{dot}");
}

#[test]
fn exec_serves_distributed_map_items_from_the_s3_dir() {
    let input = r#"{"bucket": "soar-exports", "key": "2026-11/findings.csv"}"#;
    let args = [
        "exec",
        "examples/asl/bulk-triage.asl.yaml",
        "--input",
        input,
    ];
    let out = soar(&[&args[..], &["--s3-dir", "examples/s3"]].concat());
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let result = stdout_json(&out);
    assert_eq!(result["output"]["batches"], 3);
    assert_eq!(result["output"]["open"].as_array().unwrap().len(), 4);
    assert_eq!(result["output"]["urgent"].as_array().unwrap().len(), 2);

    // Without a folder to read from, the Map fails and says how to give one.
    let out = soar(&args);
    assert_eq!(out.status.code(), Some(1));
    let result = stdout_json(&out);
    assert_eq!(result["error"], "States.ItemReaderFailed");
    assert!(result["cause"].as_str().unwrap().contains("--s3-dir"));
}

#[test]
fn process_runs_every_example_finding_and_reports_its_route() {
    let state = tempfile::tempdir().unwrap();
    let state_dir = state.path().to_str().unwrap();
    let out = soar(&[
        "process",
        "examples/findings",
        "--json",
        "--state-dir",
        state_dir,
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let rows: Vec<serde_json::Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("one JSON object per line"))
        .collect();
    let routes: std::collections::BTreeSet<&str> =
        rows.iter().map(|r| r["route"].as_str().unwrap()).collect();
    for route in [
        "ticketed",
        "incident",
        "reassigned",
        "suppressed",
        "no_action",
        "rejected",
    ] {
        assert!(routes.contains(route), "no {route} in {routes:?}");
    }
    let rejected = rows.iter().find(|r| r["route"] == "rejected").unwrap();
    assert!(
        rejected["actions"][0]
            .as_str()
            .unwrap()
            .contains("GeneratorId")
    );
    // The embedded backend wrote the e-mails and kept the tickets.
    let outbox = std::fs::read_dir(state.path().join("outbox"))
        .unwrap()
        .count();
    assert!(outbox >= 10, "{outbox} e-mails");
    assert!(state.path().join("soar.sqlite3").exists());

    // Running the same findings again finds everything already handled: no new ticket, no e-mail.
    let again = soar(&[
        "process",
        "examples/findings",
        "--json",
        "--state-dir",
        state_dir,
    ]);
    let rows: Vec<serde_json::Value> = String::from_utf8_lossy(&again.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert!(
        rows.iter()
            .all(|r| r["route"] == "no_action" || r["route"] == "rejected"),
        "{rows:?}"
    );
    assert_eq!(
        std::fs::read_dir(state.path().join("outbox"))
            .unwrap()
            .count(),
        outbox + 1,
        "only the rejection is e-mailed again"
    );
}

#[test]
fn process_refuses_unreadable_input_with_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let bad = write(dir.path(), "bad.json", "{ not json");
    let out = soar(&[
        "process",
        bad.to_str().unwrap(),
        "--state-dir",
        dir.path().join("state").to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("bad.json"));
}

/// A CloudWatch alarm event: the alarm function imports its finding, which the ASFF processor routes
/// to an incident; in a list, a CIS alarm is skipped and a name without a severity rejected (and
/// e-mailed), neither a failure.
#[test]
fn process_turns_alarm_events_into_incidents() {
    let state = tempfile::tempdir().unwrap();
    let state_dir = state.path().join("state");
    let state_dir = state_dir.to_str().unwrap();
    let rows_of = |out: &Output| -> Vec<serde_json::Value> {
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .map(|l| serde_json::from_str(l).expect("one JSON object per line"))
            .collect()
    };
    let out = soar(&[
        "process",
        "examples/findings/cloudwatch-alarm-state-change.event.json",
        "--json",
        "--state-dir",
        state_dir,
    ]);
    let first = rows_of(&out);
    let alarm = first
        .iter()
        .find(|r| r.get("reentered").is_none())
        .expect("the alarm's finding");
    assert_eq!(alarm["route"], "incident", "{first:?}");
    assert!(
        alarm["finding_id"]
            .as_str()
            .unwrap()
            .starts_with("soar-cloudwatch-alarm/eu-west-1/111122223333/INFRA-SOAR-"),
        "{alarm}"
    );
    assert_eq!(alarm["account"], "111122223333");

    let event: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string("examples/findings/cloudwatch-alarm-state-change.event.json")
            .unwrap(),
    )
    .unwrap();
    let named = |name: &str| {
        let mut e = event.clone();
        e["detail"]["alarmName"] = name.into();
        e
    };
    let list = serde_json::json!([
        named("APP-Shop-Checkout-Latency-critical"),
        named("CIS-3.1-UnauthorizedAPICalls"),
        named("shop-checkout-latency"),
    ]);
    let file = write(state.path(), "alarms.json", &list.to_string());
    let out = soar(&[
        "process",
        file.to_str().unwrap(),
        "--json",
        "--state-dir",
        state_dir,
    ]);
    let rows = rows_of(&out);
    let route = |needle: &str| {
        rows.iter()
            .find(|r| r["finding_id"].as_str().unwrap().contains(needle))
            .unwrap_or_else(|| panic!("no {needle} in {rows:?}"))
    };
    assert_eq!(
        route("APP-Shop-Checkout-Latency-critical")["route"],
        "incident"
    );
    let cis = route("CIS-3.1");
    assert_eq!(cis["route"], "skipped");
    assert!(cis["actions"][0].as_str().unwrap().contains("CIS"), "{cis}");
    let bad = route("alarm shop-checkout-latency");
    assert_eq!(bad["route"], "rejected");
    assert!(
        bad["actions"][0].as_str().unwrap().contains("no severity"),
        "{bad}"
    );
    let outbox: Vec<String> = std::fs::read_dir(Path::new(state_dir).join("outbox"))
        .unwrap()
        .map(|e| std::fs::read_to_string(e.unwrap().path()).unwrap())
        .collect();
    assert!(
        outbox.iter().any(|m| m.contains("SOAR.InvalidAlarm")),
        "the rejection is e-mailed"
    );

    // The same alarm event again changes nothing: no new incident.
    let again = soar(&[
        "process",
        "examples/findings/cloudwatch-alarm-state-change.event.json",
        "--json",
        "--state-dir",
        state_dir,
    ]);
    let again = rows_of(&again);
    assert!(again.iter().all(|r| r["route"] == "no_action"), "{again:?}");
}

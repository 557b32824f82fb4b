//! Runs every execution recorded against real AWS Step Functions (`shared/conformance/aws-recorded`) on
//! the engine and compares status, output, error and cause with what AWS did.
//!
//! Cases the engine does not match yet are listed, with the reason, in `tests/conformance-known-failures.txt`.
//! The test fails when any other case mismatches, and also when a listed case starts to pass (so the list
//! only ever shrinks).

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use soar_asl::resolver::NoTasks;
use soar_asl::{Engine, ExecutionOptions, StateMachine, Status, Value};

fn cases_dir() -> Option<PathBuf> {
    if let Ok(dir) = std::env::var("SOAR_CONFORMANCE_DIR") {
        return Some(PathBuf::from(dir));
    }
    // layers/asl → project root → its sibling `shared/`.
    let dir =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/conformance/aws-recorded");
    dir.is_dir().then_some(dir)
}

fn canon(v: &serde_json::Value) -> String {
    fn sort(v: &serde_json::Value) -> serde_json::Value {
        match v {
            serde_json::Value::Object(m) => {
                let sorted: BTreeMap<_, _> = m.iter().map(|(k, v)| (k.clone(), sort(v))).collect();
                serde_json::Value::Object(sorted.into_iter().collect())
            }
            serde_json::Value::Array(a) => serde_json::Value::Array(a.iter().map(sort).collect()),
            other => other.clone(),
        }
    }
    sort(v).to_string()
}

async fn run_case(case: &serde_json::Value) -> Result<(), String> {
    let machine = StateMachine::from_json(case["definition"].clone())
        .map_err(|e| format!("rejected: {e}"))?;
    let input = Value::from(case.get("input").cloned().unwrap_or(serde_json::json!({})));
    let engine = Engine::new(Arc::new(NoTasks));
    let execution = engine
        .execute(&machine, input, ExecutionOptions::default())
        .await;
    let expected = &case["expected"];
    let normalised = case
        .get("normalised")
        .and_then(|n| n.as_bool())
        .unwrap_or(false);
    let status = execution.status.as_str();
    if status != expected["status"] {
        return Err(format!(
            "status {status} != {} (error {:?}, output {:?})",
            expected["status"], execution.error, execution.output
        ));
    }
    if execution.status == Status::Succeeded {
        if normalised {
            return Ok(());
        }
        let got = execution.output.map(|o| o.to_json()).unwrap_or_default();
        if canon(&got) != canon(&expected["output"]) {
            return Err(format!(
                "output {} != {}",
                canon(&got),
                canon(&expected["output"])
            ));
        }
    } else {
        let error = execution
            .error
            .unwrap_or_else(|| soar_asl::StatesError::bare(""));
        let got_error = if error.error.is_empty() {
            serde_json::Value::Null
        } else {
            error.error.clone().into()
        };
        if !expected["error"].is_null() && got_error != expected["error"] {
            return Err(format!("error {got_error} != {}", expected["error"]));
        }
        if !normalised && !expected["cause"].is_null() {
            let got_cause = error
                .cause
                .clone()
                .map_or(serde_json::Value::Null, Into::into);
            if got_cause != expected["cause"] {
                return Err(format!("cause {got_cause} != {}", expected["cause"]));
            }
        }
    }
    Ok(())
}

fn known_failures() -> BTreeMap<String, String> {
    let text = include_str!("conformance-known-failures.txt");
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| match l.split_once(' ') {
            Some((name, why)) => (name.to_string(), why.trim().to_string()),
            None => (l.to_string(), String::new()),
        })
        .collect()
}

#[tokio::test(start_paused = true)]
async fn aws_recorded_executions_match() {
    let Some(dir) = cases_dir() else {
        if std::env::var_os("CI").is_some() {
            panic!(
                "the AWS-recorded conformance cases are missing: set SOAR_CONFORMANCE_DIR or check out shared/ beside the project"
            );
        }
        eprintln!("skipping: shared/conformance/aws-recorded not found beside the project");
        return;
    };
    let known = known_failures();
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("read cases")
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .collect();
    files.retain(|p| p.extension().is_some_and(|x| x == "json"));
    files.sort();
    assert!(!files.is_empty(), "no cases in {}", dir.display());
    let (mut passed, mut unexpected, mut fixed) = (0, Vec::new(), Vec::new());
    for path in &files {
        let case: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        let name = path.file_stem().unwrap().to_string_lossy().to_string();
        let outcome = tokio::spawn({
            let case = case.clone();
            async move { run_case(&case).await }
        })
        .await
        .unwrap_or_else(|panic| Err(format!("panicked: {panic}")));
        match (outcome, known.contains_key(&name)) {
            (Ok(()), false) => passed += 1,
            (Ok(()), true) => fixed.push(name),
            (Err(why), false) => unexpected.push(format!("{name}: {why}")),
            (Err(_), true) => {}
        }
    }
    println!(
        "conformance: {passed}/{} AWS-recorded cases match; {} listed as known failures",
        files.len(),
        known.len()
    );
    assert!(
        unexpected.is_empty(),
        "{} cases differ from AWS:\n{}",
        unexpected.len(),
        unexpected.join("\n")
    );
    assert!(
        fixed.is_empty(),
        "these cases now pass; remove them from conformance-known-failures.txt:\n{}",
        fixed.join("\n")
    );
}

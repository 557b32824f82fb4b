//! Replays AWS-recorded Choice executions (`shared/conformance/aws-recorded`) through [`Condition`].
//!
//! Each recorded case is a small machine where Choice states route between Pass, Succeed and Fail
//! states. A tiny interpreter for exactly those states walks the machine, evaluating every Choice rule
//! with this module, and the outcome must be the one AWS recorded.

use std::fs;

use serde_json::Value as Json;

use super::Condition;
use crate::Value;
use crate::error::{StatesError, names};
use crate::testing::TestScope;

/// The case families that exercise Choice rules.
const FAMILIES: [&str; 6] = [
    "boolean-equals--",
    "is-operators--",
    "numeric--",
    "string-operators--",
    "timestamp-operators--",
    "base-scenarios--choice-",
];

/// How a replayed execution ended.
#[derive(Debug, PartialEq)]
enum Outcome {
    Succeeded(Json),
    Failed(String, Option<String>),
    /// The machine has a JSONata Choice state, which is not this module's to evaluate.
    JsonataChoice,
}

fn str_field<'a>(state: &'a Json, field: &str) -> Option<&'a str> {
    state.get(field).and_then(Json::as_str)
}

/// Runs a machine made of Choice, Pass, Succeed and Fail states.
fn run(definition: &Json, input: &Json) -> Result<Outcome, String> {
    let jsonata_machine = str_field(definition, "QueryLanguage") == Some("JSONata");
    let is_jsonata = |state: &Json| match str_field(state, "QueryLanguage") {
        Some(language) => language == "JSONata",
        None => jsonata_machine,
    };
    let states = definition["States"].as_object().ok_or("no States")?;
    if states
        .values()
        .any(|s| str_field(s, "Type") == Some("Choice") && is_jsonata(s))
    {
        return Ok(Outcome::JsonataChoice);
    }
    let mut name = str_field(definition, "StartAt").ok_or("no StartAt")?;
    let mut data = input.clone();
    for _ in 0..100 {
        let state = states.get(name).ok_or_else(|| format!("no state {name}"))?;
        let next = match str_field(state, "Type") {
            Some("Choice") => {
                for field in state.as_object().into_iter().flat_map(|o| o.keys()) {
                    if !matches!(field.as_str(), "Type" | "Choices" | "Default" | "Comment") {
                        return Err(format!(
                            "{name}: this replayer does not handle Choice field {field}"
                        ));
                    }
                }
                let scope = TestScope::with_input(Value::from(&data));
                let mut chosen = None;
                let rules = state["Choices"]
                    .as_array()
                    .ok_or("Choices is not an array")?;
                for (i, rule) in rules.iter().enumerate() {
                    let condition = Condition::compile(rule)
                        .map_err(|e| format!("{name}/Choices/{i} does not compile: {e}"))?;
                    match condition.evaluate(&scope) {
                        Ok(true) => {
                            chosen = str_field(rule, "Next");
                            break;
                        }
                        Ok(false) => {}
                        Err(StatesError { error, cause }) => {
                            return Ok(Outcome::Failed(error, cause));
                        }
                    }
                }
                match chosen.or_else(|| str_field(state, "Default")) {
                    Some(next) => next,
                    None => return Ok(Outcome::Failed(names::NO_CHOICE_MATCHED.into(), None)),
                }
            }
            Some("Pass") if !is_jsonata(state) => {
                for field in state.as_object().into_iter().flat_map(|o| o.keys()) {
                    if !matches!(
                        field.as_str(),
                        "Type" | "Result" | "Next" | "End" | "Comment"
                    ) {
                        return Err(format!(
                            "{name}: this replayer does not handle Pass field {field}"
                        ));
                    }
                }
                if let Some(result) = state.get("Result") {
                    data = result.clone();
                }
                match str_field(state, "Next") {
                    Some(next) => next,
                    None => return Ok(Outcome::Succeeded(data)),
                }
            }
            Some("Succeed") if state.as_object().is_some_and(|o| o.len() == 1) => {
                return Ok(Outcome::Succeeded(data));
            }
            Some("Fail") => {
                let error = str_field(state, "Error")
                    .unwrap_or(names::RUNTIME)
                    .to_owned();
                return Ok(Outcome::Failed(
                    error,
                    str_field(state, "Cause").map(str::to_owned),
                ));
            }
            _ => return Err(format!("{name}: this replayer does not handle {state}")),
        };
        name = next;
    }
    Err("more than 100 transitions".into())
}

/// Every recorded Choice case must take the branch AWS took.
#[test]
fn aws_recorded_choice_cases() {
    let entries = fs::read_dir(crate::testing::recordings_dir())
        .unwrap_or_else(|e| panic!("cannot read the AWS recordings: {e}"));
    let mut files: Vec<_> = entries
        .map(|entry| entry.expect("readable directory entry").path())
        .filter(|path| {
            let name = path
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or_default();
            name.ends_with(".json") && FAMILIES.iter().any(|family| name.starts_with(family))
        })
        .collect();
    files.sort();
    assert!(
        files.len() >= 226,
        "expected the 226 recorded Choice cases, found {}",
        files.len()
    );

    let (mut replayed, mut jsonata) = (0, Vec::new());
    let mut mismatches = Vec::new();
    for file in &files {
        let case: Json = serde_json::from_str(&fs::read_to_string(file).expect("readable case"))
            .expect("JSON case");
        let name = case["name"].as_str().unwrap_or_default().to_owned();
        let expected = &case["expected"];
        let wanted = match expected["status"].as_str() {
            Some("SUCCEEDED") => Outcome::Succeeded(expected["output"].clone()),
            Some("FAILED") => Outcome::Failed(
                expected["error"].as_str().unwrap_or_default().to_owned(),
                expected["cause"].as_str().map(str::to_owned),
            ),
            other => panic!("{name}: unexpected status {other:?}"),
        };
        match run(&case["definition"], &case["input"]) {
            Ok(Outcome::JsonataChoice) => jsonata.push(name),
            Ok(outcome) => {
                replayed += 1;
                if outcome != wanted {
                    mismatches.push(format!("{name}: got {outcome:?}, AWS recorded {wanted:?}"));
                }
            }
            Err(problem) => mismatches.push(format!("{name}: {problem}")),
        }
    }
    assert!(
        mismatches.is_empty(),
        "{} mismatches:\n{}",
        mismatches.len(),
        mismatches.join("\n")
    );
    // Only the base scenarios written in JSONata are left to the JSONata Choice evaluator.
    assert!(
        jsonata
            .iter()
            .all(|name| name.starts_with("base-scenarios--choice-") && name.ends_with("jsonata"))
    );
    assert!(jsonata.len() <= 4, "unexpected JSONata cases: {jsonata:?}");
    assert_eq!(replayed + jsonata.len(), files.len());
    assert!(replayed >= 222, "only {replayed} cases replayed");
}

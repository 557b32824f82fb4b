//! template.yaml is the single source of truth: every state machine it declares loads from its
//! DefinitionUri with the substitutions it gives, every `${...}` of every ASL file is one of them, every
//! function's Handler is a task of the registry, and every registry task is deployed.

use std::collections::BTreeSet;
use std::path::Path;

use soar::template::{Deployment, Template};
use soar_functions::Registry;

fn template() -> Template {
    Template::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("template.yaml"))
        .expect("template.yaml")
}

/// The `${Name}` placeholders of a definition's text.
fn placeholders(text: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut rest = text;
    while let Some(start) = rest.find("${") {
        let after = &rest[start + 2..];
        let end = after.find('}').expect("closed placeholder");
        out.insert(after[..end].to_string());
        rest = &after[end + 1..];
    }
    out
}

#[test]
fn every_placeholder_of_every_state_machine_is_substituted_and_nothing_else() {
    let t = template();
    assert!(!t.state_machines.is_empty());
    for m in t.state_machines.values() {
        let text = std::fs::read_to_string(&m.definition)
            .unwrap_or_else(|e| panic!("{}: {e}", m.definition.display()));
        let used = placeholders(&text);
        let given: BTreeSet<String> = m.substitutions.keys().cloned().collect();
        assert_eq!(
            used,
            given,
            "{}: placeholders in {} vs DefinitionSubstitutions",
            m.logical_id,
            m.definition.display()
        );
        let subs = t
            .substitutions(m, &Deployment::default())
            .unwrap_or_else(|e| panic!("{e}"));
        let json = soar_asl::definition::load::load(&text, soar_asl::Format::Yaml, &subs)
            .unwrap_or_else(|e| panic!("{}: {e}", m.definition.display()));
        soar_asl::StateMachine::from_json(json)
            .unwrap_or_else(|e| panic!("{}: {e}", m.definition.display()));
    }
}

#[test]
fn every_asl_file_is_deployed_by_the_template() {
    let t = template();
    let deployed: BTreeSet<_> = t
        .state_machines
        .values()
        .map(|m| m.definition.file_name().unwrap().to_owned())
        .collect();
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("statemachines");
    for entry in std::fs::read_dir(dir).unwrap() {
        let name = entry.unwrap().file_name();
        assert!(deployed.contains(&name), "{name:?} is not in template.yaml");
    }
}

#[test]
fn template_functions_and_the_registry_are_the_same_set() {
    let t = template();
    let registry = Registry::soar();
    let handlers: BTreeSet<&str> = t.functions.values().map(|f| f.handler.as_str()).collect();
    let registered: BTreeSet<&str> = registry.handlers().collect();
    assert_eq!(handlers, registered);
}

/// The errors the Lambda service itself raises for an invocation (AWS's Lambda error-handling guide).
const LAMBDA_SERVICE_ERRORS: &[&str] = &[
    "Lambda.ServiceException",
    "Lambda.AWSLambdaException",
    "Lambda.SdkClientException",
    "Lambda.TooManyRequestsException",
];

/// Every Task state that invokes a task function retries exactly what can be retried: the Lambda
/// service's errors and the retryable errors the task raises; and no Retry lists a name nothing raises
/// (the reference SOAR retried throttling under a name no task used).
#[test]
fn retries_name_the_errors_tasks_actually_raise() {
    let t = template();
    let registry = Registry::soar();
    let handler_of: std::collections::BTreeMap<String, String> = t
        .functions
        .values()
        .map(|f| (format!("{}Arn", f.logical_id), f.handler.clone()))
        .collect();
    let raised: BTreeSet<&str> = registry
        .handlers()
        .flat_map(|h| registry.retryable_errors(h).iter().copied())
        .collect();
    let mut checked = 0;
    for m in t.state_machines.values() {
        let text = std::fs::read_to_string(&m.definition).unwrap();
        // Placeholders stand for themselves here, so a Task's Resource names its function.
        let identity = m
            .substitutions
            .keys()
            .map(|k| (k.clone(), format!("<{k}>")))
            .collect();
        let json =
            soar_asl::definition::load::load(&text, soar_asl::Format::Yaml, &identity).unwrap();
        let mut tasks = Vec::new();
        collect_tasks(&json, &mut tasks);
        for (name, state) in tasks {
            let retried: BTreeSet<&str> = state["Retry"]
                .as_array()
                .into_iter()
                .flatten()
                .flat_map(|r| r["ErrorEquals"].as_array().unwrap())
                .map(|e| e.as_str().unwrap())
                .collect();
            for e in &retried {
                assert!(
                    e.starts_with("States.")
                        || e.starts_with("StepFunctions.")
                        || LAMBDA_SERVICE_ERRORS.contains(e)
                        || raised.contains(e),
                    "{}: state '{name}' retries {e}, which no task raises",
                    m.definition.display()
                );
            }
            let resource = state["Resource"].as_str().unwrap_or_default();
            let Some(handler) = resource
                .strip_prefix('<')
                .and_then(|r| r.strip_suffix('>'))
                .and_then(|k| handler_of.get(k))
            else {
                continue;
            };
            for e in LAMBDA_SERVICE_ERRORS
                .iter()
                .chain(registry.retryable_errors(handler))
            {
                assert!(
                    retried.contains(e),
                    "{}: state '{name}' calls {handler}, which can raise {e}, but does not retry it",
                    m.definition.display()
                );
            }
            checked += 1;
        }
    }
    assert!(checked >= 15, "only {checked} task states checked");
}

/// Every Task state of a definition (branches and item processors included), with its name.
fn collect_tasks<'a>(
    machine: &'a serde_json::Value,
    out: &mut Vec<(&'a str, &'a serde_json::Value)>,
) {
    for (name, state) in machine["States"].as_object().into_iter().flatten() {
        match state["Type"].as_str() {
            Some("Task") => out.push((name, state)),
            Some("Parallel") => {
                for b in state["Branches"].as_array().into_iter().flatten() {
                    collect_tasks(b, out);
                }
            }
            Some("Map") => {
                let p = state.get("ItemProcessor").or_else(|| state.get("Iterator"));
                if let Some(p) = p {
                    collect_tasks(p, out);
                }
            }
            _ => {}
        }
    }
}

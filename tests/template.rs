//! template.yaml is the single source of truth: every state machine it declares loads from its
//! DefinitionUri with the substitutions it gives, every `${...}` of every ASL file is one of them, every
//! function's Handler is a task of the registry, and every registry task is deployed. And
//! member-account-role.yaml, the role remediations assume in each account, allows exactly the
//! remediations' calls and trusts only the remediate function's role.

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

/// member-account-role.yaml, read as JSON.
fn member_account_role() -> serde_json::Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("member-account-role.yaml");
    let text = std::fs::read_to_string(&path).expect("member-account-role.yaml");
    serde_saphyr::from_str(&text).expect("member-account-role.yaml is YAML")
}

/// The role in member accounts allows exactly the calls of the remediations' catalog: a remediation
/// added without its permission (or a permission left after its remediation) fails here, not in a
/// member account with AccessDenied.
#[test]
fn the_member_account_role_allows_exactly_the_remediations_api_calls() {
    let role = &member_account_role()["Resources"]["CrossAccountRole"]["Properties"];
    let mut allowed = Vec::new();
    for policy in role["Policies"].as_array().expect("inline policies") {
        for statement in policy["PolicyDocument"]["Statement"].as_array().unwrap() {
            assert_eq!(statement["Effect"], "Allow", "{statement}");
            assert_eq!(statement["Resource"], "*", "{statement}");
            assert!(statement.get("NotAction").is_none(), "{statement}");
            for action in statement["Action"].as_array().expect("a list of actions") {
                let action = action.as_str().unwrap();
                assert!(!action.contains('*'), "no wildcard actions: {action}");
                allowed.push(action.to_owned());
            }
        }
    }
    let listed = allowed.len();
    let allowed: BTreeSet<String> = allowed.into_iter().collect();
    assert_eq!(listed, allowed.len(), "an action is listed twice");
    let needed: BTreeSet<String> = soar_functions::remediations::catalog()
        .iter()
        .flat_map(|meta| meta.api_calls.iter().map(|c| (*c).to_owned()))
        .collect();
    let missing: Vec<_> = needed.difference(&allowed).collect();
    let extra: Vec<_> = allowed.difference(&needed).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "member-account-role.yaml lacks {missing:?} and allows {extra:?} beyond the catalog's api_calls"
    );
}

/// Only the SOAR account's remediate function role may assume it, under the name template.yaml's
/// remediate function is allowed to assume.
#[test]
fn the_member_account_role_trusts_only_the_remediate_function_role() {
    let t = member_account_role();
    let role = &t["Resources"]["CrossAccountRole"]["Properties"];
    assert_eq!(role["RoleName"]["Ref"], "CrossAccountRoleName");
    let trust = role["AssumeRolePolicyDocument"]["Statement"]
        .as_array()
        .unwrap();
    assert_eq!(trust.len(), 1, "{trust:?}");
    let statement = &trust[0];
    assert_eq!(statement["Effect"], "Allow");
    assert_eq!(statement["Action"], "sts:AssumeRole");
    assert_eq!(
        statement["Principal"]["AWS"]["Fn::Sub"],
        "arn:${AWS::Partition}:iam::${SoarAccountId}:root"
    );
    assert_eq!(
        statement["Condition"]["ArnEquals"]["aws:PrincipalArn"]["Fn::Sub"],
        "arn:${AWS::Partition}:iam::${SoarAccountId}:role/${RemediateFunctionRoleName}"
    );

    // The same role name by default as template.yaml, whose remediate function may assume it and
    // whose output names the principal.
    let soar: serde_json::Value = serde_saphyr::from_str(
        &std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("template.yaml"))
            .unwrap(),
    )
    .unwrap();
    assert_eq!(
        t["Parameters"]["CrossAccountRoleName"]["Default"],
        soar["Parameters"]["CrossAccountRoleName"]["Default"]
    );
    assert_eq!(
        soar["Outputs"]["RemediateFunctionRoleName"]["Value"]["Ref"],
        "RemediateFunctionRole"
    );
    let assume =
        &soar["Resources"]["RemediateFunction"]["Properties"]["Policies"][0]["Statement"][0];
    assert_eq!(assume["Action"], "sts:AssumeRole");
    assert_eq!(
        assume["Resource"]["Fn::Sub"],
        "arn:${AWS::Partition}:iam::*:role/${CrossAccountRoleName}"
    );
}

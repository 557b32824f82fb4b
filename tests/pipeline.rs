//! The SOAR pipeline end to end: the real statemachines/*.asl.yaml from template.yaml, on soar's engine,
//! with the real task functions over the embedded backend (an in-memory SQLite store). One test per route
//! and per branch: suppress, remediate (and its ticket fallback), incident, ticket, close ticket, nothing,
//! duplicate and older events, reassignment, rejection.

use std::path::Path;
use std::sync::Arc;

use serde_json::{Value as Json, json};
use soar::runner::{LocalRunner, imported_event, route_of};
use soar_asl::{Execution, ExecutionOptions, StateMachine, Status, Value};
use soar_functions::{Registry, Services, Settings};
use soar_store::{ChangeContext, FindingIdentifier, FindingStore, LocalStore, TicketStore};

struct Pipeline {
    store: Arc<LocalStore>,
    runner: LocalRunner,
}

impl Pipeline {
    fn new() -> Pipeline {
        let store = Arc::new(LocalStore::in_memory().unwrap());
        let services = Services::local(store.clone(), Settings::embedded());
        let template = Path::new(env!("CARGO_MANIFEST_DIR")).join("template.yaml");
        let runner =
            LocalRunner::from_template_file(&template, Registry::soar(), services).unwrap();
        Pipeline { store, runner }
    }

    /// Imports `finding` as its provider would, then runs SOARASFFProcessor on the Imported event.
    async fn process(&self, finding: &Json) -> Execution {
        self.store
            .batch_import_findings(
                std::slice::from_ref(finding),
                &ChangeContext::new("finding-provider"),
            )
            .unwrap();
        self.runner
            .run(
                "AsffProcessor",
                Value::from(imported_event(finding)),
                ExecutionOptions::default(),
            )
            .await
            .unwrap()
    }

    /// Replaces the state machine a Task starts (e.g. SOARAutoRemediations) with `definition`.
    fn replace_machine(&self, logical_id: &str, definition: Json) {
        let arn = format!("arn:aws:states:us-east-1:123456789012:stateMachine:{logical_id}");
        self.runner
            .engine()
            .register(arn, StateMachine::from_json(definition).unwrap());
    }
}

fn example(name: &str) -> Json {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("examples/findings")
        .join(name);
    let v: Json = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    match v.pointer("/detail/findings/0") {
        Some(f) => f.clone(),
        None => v,
    }
}

fn output(e: &Execution) -> Json {
    assert_eq!(e.status, Status::Succeeded, "{:?}", e.error);
    e.output.as_ref().unwrap().to_json()
}

fn route(e: &Execution) -> String {
    route_of(&output(e)).to_string()
}

fn stored(p: &Pipeline, finding: &Json) -> Json {
    let id = FindingIdentifier::new(
        finding["Id"].as_str().unwrap(),
        finding["ProductArn"].as_str().unwrap(),
    );
    p.store
        .get_finding(&id)
        .unwrap()
        .expect("finding in the store")
}

fn workflow_status(p: &Pipeline, finding: &Json) -> Json {
    stored(p, finding)["Workflow"]["Status"].clone()
}

#[tokio::test]
async fn a_failed_control_without_remediation_is_ticketed_and_the_team_emailed() {
    let p = Pipeline::new();
    let finding = example("cis-1.2.0-rule-2.7.json");
    let e = p.process(&finding).await;
    assert_eq!(route(&e), "ticketed");
    let out = output(&e);
    assert!(out["db"]["ticket"]["id"].is_string());
    assert_eq!(out["db"]["email"]["sent"], true);
    let id = finding["Id"].as_str().unwrap();
    assert!(p.store.get_open(id).unwrap().is_some());
    assert_eq!(workflow_status(&p, &finding), "NOTIFIED");
}

#[tokio::test]
async fn a_remediation_that_declines_falls_back_to_a_ticket() {
    // S3.8 is remediation-enabled, but the bucket is tagged soar:no-autoremediate: the remediation
    // declines, saying why, and the team gets a ticket.
    let p = Pipeline::new();
    let mut finding = example("securityhub-s3.8-failed.json");
    finding["Resources"][0]["Tags"]["soar:no-autoremediate"] = json!("public website");
    let e = p.process(&finding).await;
    let out = output(&e);
    assert_eq!(out["db"]["decision"], "remediate");
    assert_eq!(out["actions"]["autoremediation_not_done"], true);
    assert!(
        out["messages"]["actions_required"]
            .as_str()
            .unwrap()
            .contains("soar:no-autoremediate=public website")
    );
    assert_eq!(route(&e), "ticketed");
}

#[tokio::test]
async fn an_offline_remediation_is_a_recorded_plan_and_resolves_the_finding() {
    // The embedded backend is a dry run: the remediation's plan is recorded and is the result.
    let p = Pipeline::new();
    let finding = example("securityhub-s3.8-failed.json");
    let e = p.process(&finding).await;
    let out = output(&e);
    assert_eq!(route(&e), "remediated");
    assert_eq!(out["db"]["remediation"]["outcome"], "planned");
    assert!(
        out["messages"]["actions_taken"]
            .as_str()
            .unwrap()
            .contains("SOAR would turn on Block Public Access")
    );
    let plan = soar_store::ActionRecorder::recorded(&*p.store).unwrap();
    assert_eq!(plan.len(), 1);
    assert_eq!(plan[0].operation, "PutPublicAccessBlock");
    assert_eq!(workflow_status(&p, &finding), "RESOLVED");
}

/// An account without consolidated control findings: the FSBP finding names S3.8 only in its
/// `GeneratorId` and `ProductFields.ControlId`. Get Ticket and Decide derives the consolidated id,
/// SOARAutoRemediations routes on it, and the finding is remediated like the consolidated one.
#[tokio::test]
async fn a_finding_without_a_consolidated_control_id_is_remediated() {
    let p = Pipeline::new();
    let finding = example("remediations/s3.8-legacy-fsbp-failed.json");
    assert!(finding["Compliance"].get("SecurityControlId").is_none());
    let e = p.process(&finding).await;
    let out = output(&e);
    assert_eq!(route(&e), "remediated", "{out:#}");
    assert_eq!(out["db"]["control_id"], "S3.8");
    assert_eq!(out["db"]["remediation"]["control"], "S3.8");
    assert_eq!(out["db"]["remediation"]["outcome"], "planned");
    assert_eq!(out["actions"]["autoremediation_not_done"], false);
    let plan = soar_store::ActionRecorder::recorded(&*p.store).unwrap();
    assert_eq!(plan.len(), 1);
    assert_eq!(plan[0].operation, "PutPublicAccessBlock");
    assert_eq!(
        plan[0].parameters["Bucket"], "example-payments-uploads",
        "{:?}",
        plan[0]
    );
    assert_eq!(workflow_status(&p, &finding), "RESOLVED");
}

/// A legacy finding whose control maps to no remediation (CIS 1.2.0 rule 2.7 is CloudTrail.2) is
/// ticketed as before, the consolidated id named.
#[tokio::test]
async fn a_legacy_finding_of_a_control_without_remediation_is_ticketed() {
    let p = Pipeline::new();
    let e = p.process(&example("cis-1.2.0-rule-2.7.json")).await;
    let out = output(&e);
    assert_eq!(route(&e), "ticketed");
    assert_eq!(out["db"]["control_id"], "CloudTrail.2");
    assert!(
        out["db"]["decision_reason"]
            .as_str()
            .unwrap()
            .contains("Control CloudTrail.2 failed"),
        "{}",
        out["db"]["decision_reason"]
    );
}

#[tokio::test]
async fn a_failing_remediation_run_falls_back_to_a_ticket() {
    let p = Pipeline::new();
    p.replace_machine(
        "AutoRemediations",
        json!({"StartAt": "Boom", "States": {"Boom": {"Type": "Fail", "Error": "EC2.UnauthorizedOperation", "Cause": "denied"}}}),
    );
    let e = p.process(&example("securityhub-s3.8-failed.json")).await;
    let out = output(&e);
    assert_eq!(route(&e), "ticketed");
    assert_eq!(out["actions"]["autoremediation_not_done"], true);
    assert_eq!(out["db"]["remediation_error"]["Error"], "States.TaskFailed");
}

#[tokio::test]
async fn a_successful_remediation_resolves_the_finding() {
    let p = Pipeline::new();
    p.replace_machine(
        "AutoRemediations",
        json!({"StartAt": "Fixed", "States": {"Fixed": {"Type": "Pass",
            "Result": "Public access blocked on the bucket.", "ResultPath": "$.messages.actions_taken", "End": true}}}),
    );
    let finding = example("securityhub-s3.8-failed.json");
    let e = p.process(&finding).await;
    assert_eq!(route(&e), "remediated");
    assert_eq!(workflow_status(&p, &finding), "RESOLVED");
}

#[tokio::test]
async fn the_same_event_twice_changes_nothing_the_second_time() {
    let p = Pipeline::new();
    let finding = example("cis-1.2.0-rule-2.7.json");
    assert_eq!(route(&p.process(&finding).await), "ticketed");
    let again = p.process(&finding).await;
    assert_eq!(route(&again), "no_action");
    assert_eq!(output(&again)["db"]["duplicate"], true);
    let tickets = p.store.list(&Default::default()).unwrap();
    assert_eq!(tickets.len(), 1, "one ticket, never two");
}

#[tokio::test]
async fn a_passed_finding_closes_its_open_ticket() {
    let p = Pipeline::new();
    let mut finding = example("cis-1.2.0-rule-2.7.json");
    assert_eq!(route(&p.process(&finding).await), "ticketed");
    finding["Compliance"]["Status"] = json!("PASSED");
    finding["UpdatedAt"] = json!("2030-01-01T00:00:00.000Z");
    let e = p.process(&finding).await;
    assert_eq!(route(&e), "ticket_closed");
    assert!(
        p.store
            .get_open(finding["Id"].as_str().unwrap())
            .unwrap()
            .is_none()
    );
}

#[tokio::test]
async fn a_passed_finding_without_a_ticket_needs_nothing() {
    let p = Pipeline::new();
    assert_eq!(
        route(&p.process(&example("control-passed-notified.json")).await),
        "no_action"
    );
}

#[tokio::test]
async fn alarms_and_high_threat_detections_are_incidents() {
    let p = Pipeline::new();
    // A GuardDuty finding at HIGH (the incident minimum) in the instance's own account.
    let mut guardduty = example("guardduty-ec2-ssh-bruteforce.event.json");
    guardduty["Severity"] = json!({"Label": "HIGH", "Normalized": 70});
    let e = p.process(&guardduty).await;
    assert_eq!(route(&e), "incident");
    assert!(output(&e)["db"]["incident_execution"]["ExecutionArn"].is_string());
    // The alarm finding is imported in the security account for an alarm of another account: it is
    // first moved to the owner's account, and there it is an incident.
    let alarm = example("cloudwatch-alarm.json");
    let e = p.process(&alarm).await;
    assert_eq!(route(&e), "reassigned");
    let copy_id = output(&e)["db"]["reassigned_to"]["finding_id"].clone();
    let copy = stored(
        &p,
        &json!({"Id": copy_id, "ProductArn": alarm["ProductArn"]}),
    );
    assert_eq!(route(&p.process(&copy).await), "incident");
}

#[tokio::test]
async fn a_delegated_admin_finding_is_reassigned_to_the_owner_account() {
    let p = Pipeline::new();
    let finding = example("access-analyzer-delegated-admin.json");
    let e = p.process(&finding).await;
    assert_eq!(route(&e), "reassigned");
    let out = output(&e);
    let copy_id = out["db"]["reassigned_to"]["finding_id"].as_str().unwrap();
    assert!(copy_id.contains("-reassigned-"), "{copy_id}");
    assert_eq!(workflow_status(&p, &finding), "SUPPRESSED");
    // The copy re-enters the pipeline in the owner's account and is never reassigned again.
    let copy = stored(
        &p,
        &json!({"Id": copy_id, "ProductArn": finding["ProductArn"]}),
    );
    let again = p.process(&copy).await;
    assert_ne!(route(&again), "reassigned");
}

#[tokio::test]
async fn a_malformed_finding_is_rejected_and_the_rejection_recorded() {
    let p = Pipeline::new();
    let bad = example("malformed-missing-generator-id.json");
    let e = p
        .runner
        .run(
            "AsffProcessor",
            Value::from(imported_event(&bad)),
            ExecutionOptions::default(),
        )
        .await
        .unwrap();
    assert_eq!(e.status, Status::Failed);
    let error = e.error.unwrap();
    assert_eq!(error.error, "SOAR.FindingRejected");
    assert!(error.cause.unwrap().contains("GeneratorId"));
    // Recorded: the security team got the rejection, naming the missing field.
    let sent = p.store.memory_outbox().unwrap().sent();
    let (_, email, _) = sent.last().expect("a rejection e-mail");
    assert!(email.text.contains("GeneratorId"), "{}", email.text);
}

#[tokio::test]
async fn a_local_suppression_rule_suppresses_once() {
    use soar_store::SuppressionStore;
    let p = Pipeline::new();
    for rule in soar_store::suppressions::load_rules_file(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("config/suppressions.json"),
    )
    .unwrap()
    {
        p.store.put_rule(&rule).unwrap();
    }
    let export: Json = serde_json::from_str(
        &std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("examples/findings/get-findings-export.json"),
        )
        .unwrap(),
    )
    .unwrap();
    let kms = export["Findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["Compliance"]["SecurityControlId"] == "KMS.4")
        .unwrap()
        .clone();
    let e = p.process(&kms).await;
    assert_eq!(route(&e), "suppressed");
    assert_eq!(
        output(&e)["db"]["suppression_rule"]["id"],
        "dev-kms-rotation"
    );
    assert_eq!(workflow_status(&p, &kms), "SUPPRESSED");
    // SOAR's own suppression comes back as an event: it is not suppressed a second time.
    let again = p.process(&stored(&p, &kms)).await;
    assert_eq!(route(&again), "no_action");
}

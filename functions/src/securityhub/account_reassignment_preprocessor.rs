//! `account_reassignment_preprocessor`: moves a finding that a delegated-admin product (IAM Access
//! Analyzer, GuardDuty, Inspector, Detective, ...) reported in the security account to the account that
//! owns the resource, so the owner's team gets it.
//!
//! The owner is `ProductFields.ResourceOwnerAccount` (or `resourceOwnerAccount`), else the account in
//! the first resource id that carries one ([`Finding::resource_owner_account`]). When it differs from
//! `AwsAccountId`, a copy of the finding is imported (`BatchImportFindings`) into the owner account with
//! `Id` `<original id>-reassigned-<owner>` and `AwsAccountId` the owner, everything else kept (but
//! `AwsAccountName`, which becomes the owner's name when the finding had one). The copy reaches the ASFF
//! processor again through Security Hub's events (the store's change feed locally). This execution then
//! suppresses the original: `actions.suppress_finding` is set and `db.reassigned_to` is
//! `{"account": owner, "finding_id": copy id}`. Importing the same copy again is harmless: Security Hub
//! ignores an import whose `UpdatedAt` is not newer.
//!
//! Reassigning to the wrong account hides a finding from the people who must see it, so SOAR reassigns
//! only on clear evidence. Any of these keeps the original workflow (the finding stays in the account it
//! was reported in and is processed there): an owner field that is not an account id, an ARN-like
//! resource id before the owner's that cannot be read, an owner account SOAR's account directory does not
//! know (outside the organization; on AWS the import would fail too), or an import that fails. Then
//! `db.reassignment_error` says why (ids and error codes only, never the finding's text) and nothing
//! else changes. Throttling is the exception: it is raised as `SecurityHub.TooManyRequestsException` so
//! the state machine retries rather than routing the finding to the wrong team under load.
//!
//! A finding whose `Id` already contains `-reassigned-` is never reassigned again: a copy must not
//! spawn copies (loop prevention). Nor is a finding already SUPPRESSED, RESOLVED or ARCHIVED: the
//! original SOAR suppressed after copying comes back through the feedback loop, and must then go on to
//! the router (which closes or ignores it), not be reassigned a second time.

use serde_json::{Value, json};
use soar_json::Value as Json;
use soar_model::arn;
use soar_model::finding::{Finding, RecordState, WorkflowStatus};
use soar_model::scratchpad::Scratchpad;

use super::{TOO_MANY_REQUESTS, change_context, is_throttling};
use crate::core::scratchpad;
use crate::{Services, TaskError};

/// What marks a reassigned copy's `Id`.
pub const REASSIGNED_MARKER: &str = "-reassigned-";

/// Runs the task.
pub async fn run(services: &Services, input: impl Into<Json>) -> Result<Json, TaskError> {
    let input: Json = input.into();
    let mut pad = scratchpad(input)?;
    let finding = pad.finding()?;
    let settled = matches!(
        finding.workflow_status(),
        Some(&WorkflowStatus::Suppressed | &WorkflowStatus::Resolved)
    ) || finding.record_state.as_ref() == Some(&RecordState::Archived);
    if finding.id.contains(REASSIGNED_MARKER) || settled {
        return Ok(pad.to_value());
    }
    match reassign(services, &pad, &finding) {
        Ok(None) => {}
        Ok(Some((account, finding_id))) => {
            pad.actions.suppress_finding = true;
            pad.db.insert(
                "reassigned_to".into(),
                json!({"account": account, "finding_id": finding_id}),
            );
        }
        Err(Failure::Throttled(e)) => return Err(e),
        Err(Failure::Kept(reason)) => {
            pad.db
                .insert("reassignment_error".into(), Value::String(reason));
        }
    }
    Ok(pad.to_value())
}

/// Why a finding was not reassigned.
enum Failure {
    /// Throttled: raise, so the state machine retries.
    Throttled(TaskError),
    /// Anything else: keep the original workflow, for this reason.
    Kept(String),
}

/// Imports the copy into the owner account; the owner and the copy's id, or `None` when the finding is
/// already in its owner's account.
fn reassign(
    services: &Services,
    pad: &Scratchpad,
    finding: &Finding,
) -> Result<Option<(String, String)>, Failure> {
    check_owner_evidence(finding).map_err(Failure::Kept)?;
    let owner = finding.resource_owner_account();
    if owner == finding.aws_account_id {
        return Ok(None);
    }
    let account = match services.accounts.get(owner) {
        Ok(Some(account)) => account,
        Ok(None) => {
            return Err(Failure::Kept(format!(
                "the resource owner {owner} is not in SOAR's account directory: the finding stays in {}",
                finding.aws_account_id
            )));
        }
        Err(e) if is_throttling(&e) => {
            return Err(Failure::Throttled(TaskError::new(
                TOO_MANY_REQUESTS,
                format!("looking up account {owner}: {e}"),
            )));
        }
        Err(e) => {
            return Err(Failure::Kept(format!(
                "looking up account {owner} failed ({}): {e}",
                e.error_name()
            )));
        }
    };
    let copy_id = format!("{}{REASSIGNED_MARKER}{owner}", finding.id);
    let mut copy = pad.finding.clone();
    copy["Id"] = Json::from(copy_id.clone());
    copy["AwsAccountId"] = Json::from(owner);
    if copy.get("AwsAccountName").is_some() {
        copy["AwsAccountName"] = Json::from(account.name);
    }
    let response = services
        .findings
        .batch_import_findings(&[copy.to_json()], &change_context())
        .map_err(|e| {
            if is_throttling(&e) {
                Failure::Throttled(TaskError::new(
                    TOO_MANY_REQUESTS,
                    format!("BatchImportFindings of {copy_id}: {e}"),
                ))
            } else {
                Failure::Kept(format!(
                    "BatchImportFindings of {copy_id} failed ({}): {e}",
                    e.error_name()
                ))
            }
        })?;
    if let Some(failed) = response.failed_findings.first() {
        return Err(Failure::Kept(format!(
            "BatchImportFindings rejected {copy_id}: {}",
            failed.error_code
        )));
    }
    if response.failed_count > 0 || response.success_count == 0 {
        return Err(Failure::Kept(format!(
            "BatchImportFindings did not accept {copy_id}"
        )));
    }
    Ok(Some((owner.to_owned(), copy_id)))
}

/// Refuses owner evidence that cannot be read: an owner field that is not an account id, or, without
/// one, an ARN-like resource id before the first one that names an account.
fn check_owner_evidence(finding: &Finding) -> Result<(), String> {
    let fields: Vec<(&str, &str)> = ["ResourceOwnerAccount", "resourceOwnerAccount"]
        .into_iter()
        .filter_map(|key| finding.product_field(key).map(|value| (key, value.trim())))
        .collect();
    if let Some((key, _)) = fields.first() {
        if fields.iter().any(|(_, v)| arn::is_account_id(v)) {
            return Ok(());
        }
        return Err(format!(
            "ProductFields.{key} is not a 12-digit account id: the owner is unknown"
        ));
    }
    for (i, resource) in finding.resources.iter().enumerate() {
        if arn::account_id(&resource.id).is_some() {
            return Ok(());
        }
        if is_malformed_arn(&resource.id) {
            return Err(format!(
                "Resources[{i}].Id {:?} is a malformed ARN: the owner is unknown",
                resource.id
            ));
        }
    }
    Ok(())
}

/// Whether an id claims to be an ARN but does not have its six parts
/// (`arn:partition:service:region:account:resource`).
fn is_malformed_arn(id: &str) -> bool {
    id.starts_with("arn:")
        && (id.split(':').count() < 6 || id.split(':').nth(2) == Some(""))
        && arn::account_id(id).is_none()
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::securityhub::failing::{self, Failure as Fail};
    use crate::testing::{finding, services};
    use soar_store::{FindingChangeFeed, FindingIdentifier, LocalStore};

    const SECURITY: &str = "111122223333";
    const OWNER: &str = "444455556666";

    fn access_analyzer() -> Value {
        serde_json::from_str(include_str!(
            "../../../examples/findings/access-analyzer-delegated-admin.json"
        ))
        .unwrap()
    }

    fn alarm() -> Value {
        serde_json::from_str(include_str!(
            "../../../examples/findings/cloudwatch-alarm.json"
        ))
        .unwrap()
    }

    fn pad(f: Value) -> Value {
        Scratchpad::new(f).to_value().to_json()
    }

    /// Services on a store the test can also read the change feed of.
    fn local() -> (Services, Arc<LocalStore>) {
        let store = Arc::new(LocalStore::in_memory().unwrap());
        (
            Services::local(store.clone(), crate::Settings::embedded()),
            store,
        )
    }

    fn stored(services: &Services, id: &str, product_arn: &str) -> Option<Value> {
        services
            .findings
            .get_finding(&FindingIdentifier::new(id, product_arn))
            .unwrap()
    }

    #[tokio::test]
    async fn a_delegated_admin_finding_is_copied_to_the_owner_and_the_original_suppressed() {
        let (services, store) = local();
        let original = access_analyzer();
        let id = original["Id"].as_str().unwrap();
        let product = original["ProductArn"].as_str().unwrap();
        let copy_id = format!("{id}-reassigned-{OWNER}");

        let out = run(&services, pad(original.clone())).await.unwrap();
        assert_eq!(out["actions"]["suppress_finding"], true);
        assert_eq!(
            out["db"]["reassigned_to"],
            json!({"account": OWNER, "finding_id": copy_id})
        );
        assert!(out["db"].get("reassignment_error").is_none());
        // The scratchpad's finding is still the original, for Suppress Finding.
        assert_eq!(out["finding"], original);

        let copy = stored(&services, &copy_id, product).expect("the copy is imported");
        assert_eq!(copy["AwsAccountId"], OWNER);
        for field in [
            "ProductArn",
            "GeneratorId",
            "Title",
            "Description",
            "Types",
            "Resources",
            "ProductFields",
            "Remediation",
            "CreatedAt",
            "UpdatedAt",
            "Workflow",
            "RecordState",
        ] {
            assert_eq!(copy[field], original[field], "{field}");
        }
        // The copy re-enters the pipeline through the change feed, as SOAR's change.
        let changes = store.changes_since(0, 10).unwrap();
        let created = changes.iter().find(|c| c.identifier.id == copy_id).unwrap();
        assert_eq!(created.actor, "soar");
        assert_eq!(
            created.to_eventbridge_event()["detail"]["findings"][0]["AwsAccountId"],
            OWNER
        );
        // The original is not touched here (Suppress Finding does that).
        assert!(stored(&services, id, product).is_none());
    }

    #[tokio::test]
    async fn reassigning_again_is_harmless() {
        let services = services();
        let first = run(&services, pad(access_analyzer())).await.unwrap();
        let again = run(&services, pad(access_analyzer())).await.unwrap();
        assert_eq!(first, again);
    }

    #[tokio::test]
    async fn the_owner_may_come_from_the_resource_arn() {
        // SOAR's own alarm finding: imported in the security account, the alarm is the owner's.
        let services = services();
        let f = alarm();
        assert_eq!(f["AwsAccountId"], SECURITY);
        let out = run(&services, pad(f.clone())).await.unwrap();
        let copy_id = format!("{}-reassigned-{OWNER}", f["Id"].as_str().unwrap());
        assert_eq!(out["db"]["reassigned_to"]["finding_id"], copy_id);
        assert!(stored(&services, &copy_id, f["ProductArn"].as_str().unwrap()).is_some());
    }

    #[tokio::test]
    async fn the_lower_case_owner_field_counts_too() {
        let mut f = access_analyzer();
        let fields = f["ProductFields"].as_object_mut().unwrap();
        fields.remove("ResourceOwnerAccount");
        fields.insert("resourceOwnerAccount".into(), "777788889999".into());
        let out = run(&services(), pad(f)).await.unwrap();
        assert_eq!(out["db"]["reassigned_to"]["account"], "777788889999");
    }

    #[tokio::test]
    async fn an_account_name_follows_the_owner() {
        let services = services();
        let mut f = access_analyzer();
        f["AwsAccountName"] = "security".into();
        let out = run(&services, pad(f.clone())).await.unwrap();
        let copy_id = out["db"]["reassigned_to"]["finding_id"].as_str().unwrap();
        let copy = stored(&services, copy_id, f["ProductArn"].as_str().unwrap()).unwrap();
        assert_eq!(copy["AwsAccountName"], "platform-staging");
    }

    #[tokio::test]
    async fn a_finding_in_its_owners_account_passes_through() {
        for f in [finding(), {
            let mut f = access_analyzer();
            f["AwsAccountId"] = OWNER.into();
            f
        }] {
            let p = pad(f);
            assert_eq!(run(&services(), p.clone()).await.unwrap(), p);
        }
    }

    #[tokio::test]
    async fn a_reassigned_copy_is_never_reassigned_again() {
        let services = services();
        let mut f = access_analyzer();
        let id = format!("{}-reassigned-777788889999", f["Id"].as_str().unwrap());
        f["Id"] = id.clone().into();
        // It claims yet another owner: still not moved.
        let p = pad(f.clone());
        assert_eq!(run(&services, p.clone()).await.unwrap(), p);
        let product = f["ProductArn"].as_str().unwrap();
        assert!(stored(&services, &format!("{id}-reassigned-{OWNER}"), product).is_none());
    }

    /// Runs a finding that must keep its original workflow; the reassignment error.
    async fn kept(services: &Services, f: Value) -> String {
        let p = pad(f);
        let out = run(services, p.clone()).await.unwrap();
        let error = out["db"]["reassignment_error"]
            .as_str()
            .expect("db.reassignment_error")
            .to_owned();
        let mut expected = p;
        expected["db"]["reassignment_error"] = error.clone().into();
        assert_eq!(out, expected, "nothing else changes");
        error
    }

    #[tokio::test]
    async fn a_malformed_owner_field_keeps_the_original_workflow() {
        let mut f = access_analyzer();
        f["ProductFields"]["ResourceOwnerAccount"] = "unknown".into();
        // Even with an account in a resource ARN: the provider's word is unreadable.
        f["Resources"][0]["Id"] = "arn:aws:iam::777788889999:role/x".into();
        let e = kept(&services(), f).await;
        assert!(e.contains("ProductFields.ResourceOwnerAccount"), "{e}");
    }

    #[tokio::test]
    async fn a_malformed_arn_keeps_the_original_workflow() {
        let mut f = alarm();
        f["Resources"] = json!([
            {"Type": "Other", "Id": "arn:aws:cloudwatch"},
            {"Type": "AwsCloudWatchAlarm", "Id": "arn:aws:cloudwatch:eu-west-1:444455556666:alarm:x"}
        ]);
        let e = kept(&services(), f).await;
        assert!(
            e.contains("Resources[0].Id") && e.contains("malformed ARN"),
            "{e}"
        );
        // Account-less ARNs (S3) and non-ARN ids are not malformed.
        assert!(!is_malformed_arn("arn:aws:s3:::example-bucket"));
        assert!(!is_malformed_arn("inspector/us-east-1/111122223333/x"));
        assert!(!is_malformed_arn(
            "arn:aws::guardduty:us-east-1:777788889999:detector/d"
        ));
        assert!(is_malformed_arn("arn:aws::s3"));
    }

    #[tokio::test]
    async fn an_owner_outside_the_directory_keeps_the_original_workflow() {
        let services = services();
        let mut f = access_analyzer();
        f["ProductFields"]["ResourceOwnerAccount"] = "999999999999".into();
        let e = kept(&services, f.clone()).await;
        assert!(
            e.contains("999999999999") && e.contains("account directory"),
            "{e}"
        );
        let copy_id = format!("{}-reassigned-999999999999", f["Id"].as_str().unwrap());
        assert!(stored(&services, &copy_id, f["ProductArn"].as_str().unwrap()).is_none());
    }

    #[tokio::test]
    async fn a_rejected_import_keeps_the_original_workflow() {
        // Really rejected by the store: the copy is over Security Hub's 240 KB.
        let mut f = access_analyzer();
        f["Description"] = "x".repeat(250 * 1024).into();
        let e = kept(&services(), f).await;
        assert!(e.contains("FindingSizeExceeded"), "{e}");
        assert!(
            !e.contains("xxxx"),
            "the finding's text is not copied into the error"
        );

        let e = kept(
            &failing::services(Fail::Rejects("InvalidInput")),
            access_analyzer(),
        )
        .await;
        assert!(e.contains("rejected") && e.contains("InvalidInput"), "{e}");
    }

    #[tokio::test]
    async fn a_failed_import_keeps_the_original_workflow() {
        let e = kept(&failing::services(Fail::Broken), access_analyzer()).await;
        assert!(
            e.contains("BatchImportFindings") && e.contains("Store.Backend"),
            "{e}"
        );
    }

    #[tokio::test]
    async fn throttling_is_raised_for_the_retry() {
        let e = run(&failing::services(Fail::Throttled), pad(access_analyzer()))
            .await
            .unwrap_err();
        assert_eq!(e.error, "SecurityHub.TooManyRequestsException");
        assert!(e.cause.contains("BatchImportFindings"), "{}", e.cause);
    }
}

//! `suppress_finding`: sets the finding's `Workflow.Status` to `SUPPRESSED` in Security Hub
//! (`BatchUpdateFindings`) with a note saying why, by `soar`, and sets `db.route`: `reassigned` when the
//! finding was moved to its owner's account (`db.reassigned_to`), else `suppressed`.
//!
//! The note names the owner account and the copy for a reassigned finding; otherwise it gives what the
//! tasks recorded, the first of: `messages.actions_taken` when it says more than `None.` (local
//! suppressions and remediations write their reason there), the local suppression rule
//! (`db.suppression_rule.id` and `.reason`), the decision's reason (`db.decision_reason`). A finding Security Hub does not update is an
//! error naming it and AWS's code; throttling is `SecurityHub.TooManyRequestsException`.

use serde_json::Value;
use soar_json::Value as Json;
use soar_model::finding::WorkflowStatus;
use soar_model::scratchpad::Scratchpad;

use super::{actions_taken, set_workflow};
use crate::core::scratchpad;
use crate::{Services, TaskError};

/// Runs the task.
pub async fn run(services: &Services, input: impl Into<Json>) -> Result<Json, TaskError> {
    let input: Json = input.into();
    let mut pad = scratchpad(input)?;
    let reassigned = pad.db.get("reassigned_to").is_some_and(|v| !v.is_null());
    let note = note(&pad);
    set_workflow(services, &mut pad, WorkflowStatus::Suppressed, &note)?;
    let route = if reassigned {
        "reassigned"
    } else {
        "suppressed"
    };
    pad.db.insert("route".into(), route.into());
    Ok(pad.to_value())
}

/// The note: why the finding is suppressed.
fn note(pad: &Scratchpad) -> String {
    if let Some(to) = pad.db.get("reassigned_to").filter(|v| !v.is_null()) {
        let account = to["account"].as_str().unwrap_or("its owner's account");
        return match to["finding_id"].as_str() {
            Some(id) => format!(
                "Suppressed by SOAR: the resource belongs to account {account}; the finding was reassigned there as {id}."
            ),
            None => format!(
                "Suppressed by SOAR: the resource belongs to account {account}; the finding was reassigned there."
            ),
        };
    }
    let text = |v: Option<&Value>| {
        v.and_then(Value::as_str)
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(str::to_owned)
    };
    let rule = pad.db.get("suppression_rule");
    let reason = actions_taken(pad)
        .map(str::to_owned)
        .or_else(|| {
            let reason = text(rule.and_then(|r| r.get("reason")))?;
            Some(match text(rule.and_then(|r| r.get("id"))) {
                Some(id) => format!("local suppression rule '{id}': {reason}"),
                None => format!("local suppression rule: {reason}"),
            })
        })
        .or_else(|| text(pad.db.get("decision_reason")));
    match reason {
        Some(reason) if reason.starts_with("Suppressed") => reason,
        Some(reason) => format!("Suppressed by SOAR: {reason}"),
        None => "Suppressed by SOAR.".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::securityhub::failing::{self, Failure};
    use crate::testing::{finding, services, stored_finding};
    use serde_json::json;
    use soar_store::ChangeContext;

    /// Services with the example finding imported, and a scratchpad for it.
    fn imported() -> (Services, Scratchpad) {
        let services = services();
        services
            .findings
            .batch_import_findings(&[finding()], &ChangeContext::provider())
            .unwrap();
        (services, Scratchpad::new(finding()))
    }

    #[tokio::test]
    async fn suppresses_with_the_reason_and_routes_suppressed() {
        let (services, mut pad) = imported();
        pad.actions.suppress_finding = true;
        pad.messages.actions_taken =
            "Suppressed by local suppression rule 'sandbox' (account 444455556666): sandbox buckets are public.".into();
        let out = run(&services, pad.to_value()).await.unwrap();
        assert_eq!(out["db"]["route"], "suppressed");
        let s = stored_finding(&services);
        assert_eq!(s["Workflow"]["Status"], "SUPPRESSED");
        assert_eq!(
            s["Note"]["Text"],
            "Suppressed by local suppression rule 'sandbox' (account 444455556666): sandbox buckets are public."
        );
        assert_eq!(s["Note"]["UpdatedBy"], "soar");
        // The scratchpad's finding says the same.
        assert_eq!(out["finding"]["Workflow"]["Status"], "SUPPRESSED");
        assert_eq!(out["finding"]["Note"]["Text"], s["Note"]["Text"]);
    }

    #[tokio::test]
    async fn a_reassigned_finding_routes_reassigned_and_says_where_it_went() {
        let (services, mut pad) = imported();
        pad.actions.suppress_finding = true;
        pad.db.insert(
            "reassigned_to".into(),
            json!({"account": "777788889999", "finding_id": "f-reassigned-777788889999"}),
        );
        let out = run(&services, pad.to_value()).await.unwrap();
        assert_eq!(out["db"]["route"], "reassigned");
        assert_eq!(
            stored_finding(&services)["Note"]["Text"],
            "Suppressed by SOAR: the resource belongs to account 777788889999; the finding was reassigned there as f-reassigned-777788889999."
        );
    }

    #[tokio::test]
    async fn a_finding_suppressed_by_someone_else_gets_soars_note() {
        let services = services();
        let mut f = finding();
        f["Workflow"] = json!({"Status": "SUPPRESSED"});
        f["Note"] =
            json!({"Text": "accepted", "UpdatedBy": "alice", "UpdatedAt": "2026-03-01T00:00:00Z"});
        services
            .findings
            .batch_import_findings(std::slice::from_ref(&f), &ChangeContext::provider())
            .unwrap();
        let out = run(&services, Scratchpad::new(f).to_value()).await.unwrap();
        assert_eq!(
            stored_finding(&services)["Note"]["Text"],
            "Suppressed by SOAR."
        );
        assert_eq!(
            out["finding"]["Note"],
            json!({"Text": "Suppressed by SOAR.", "UpdatedBy": "soar"})
        );
    }

    #[tokio::test]
    async fn a_finding_already_suppressed_with_soars_note_is_left_alone() {
        // Not even looked up: Security Hub is not called (this finding is not in the store).
        let mut f = finding();
        f["Workflow"] = json!({"Status": "SUPPRESSED"});
        f["Note"] = json!({"Text": "Suppressed by SOAR.", "UpdatedBy": "soar", "UpdatedAt": "2026-03-01T00:00:00Z"});
        let pad = Scratchpad::new(f).to_value();
        let out = run(&failing::services(Failure::Broken), pad.clone())
            .await
            .unwrap();
        let mut expected = pad;
        expected["db"]["route"] = "suppressed".into();
        assert_eq!(out, expected);
    }

    #[test]
    fn notes_for_every_reason() {
        let mut pad = Scratchpad::new(finding());
        assert_eq!(note(&pad), "Suppressed by SOAR.");
        pad.db.insert("decision_reason".into(), " ".into());
        assert_eq!(
            note(&pad),
            "Suppressed by SOAR.",
            "a blank reason is no reason"
        );
        pad.db.insert(
            "decision_reason".into(),
            "An earlier task marked the finding for suppression (actions.suppress_finding).".into(),
        );
        assert_eq!(
            note(&pad),
            "Suppressed by SOAR: An earlier task marked the finding for suppression (actions.suppress_finding)."
        );
        pad.db.insert(
            "suppression_rule".into(),
            json!({"id": "cloudtrail-logs", "reason": "Log buckets are read by the SIEM account."}),
        );
        assert_eq!(
            note(&pad),
            "Suppressed by SOAR: local suppression rule 'cloudtrail-logs': Log buckets are read by the SIEM account."
        );
        pad.messages.actions_taken =
            "The bucket is public by design (tag soar:public=true).".into();
        assert_eq!(
            note(&pad),
            "Suppressed by SOAR: The bucket is public by design (tag soar:public=true)."
        );
        pad.db.insert("reassigned_to".into(), Value::Null);
        assert!(
            note(&pad).contains("public by design"),
            "a null reassigned_to is absent"
        );
        pad.db
            .insert("reassigned_to".into(), json!({"account": "777788889999"}));
        assert_eq!(
            note(&pad),
            "Suppressed by SOAR: the resource belongs to account 777788889999; the finding was reassigned there."
        );
    }

    #[tokio::test]
    async fn a_long_reason_is_cut_to_fit_the_note() {
        let (services, mut pad) = imported();
        pad.messages.actions_taken = "x".repeat(2000);
        run(&services, pad.to_value()).await.unwrap();
        let text = stored_finding(&services)["Note"]["Text"]
            .as_str()
            .unwrap()
            .to_owned();
        assert_eq!(text.chars().count(), 512);
    }

    #[tokio::test]
    async fn a_finding_security_hub_does_not_have_is_an_error_naming_it() {
        let pad = Scratchpad::new(finding()).to_value();
        let e = run(&services(), pad).await.unwrap_err();
        assert_eq!(e.error, "SOAR.UnprocessedFinding");
        let id = finding()["Id"].as_str().unwrap().to_owned();
        assert!(
            e.cause.contains(&id) && e.cause.contains("FindingNotFound"),
            "{}",
            e.cause
        );
        assert!(e.cause.contains("SUPPRESSED"), "{}", e.cause);
    }

    #[tokio::test]
    async fn a_concurrent_update_is_retried() {
        let pad = Scratchpad::new(finding()).to_value();
        let services = failing::services(Failure::Rejects("ConcurrentUpdateError"));
        let e = run(&services, pad).await.unwrap_err();
        assert_eq!(e.error, "SecurityHub.TooManyRequestsException");
        assert!(e.cause.contains("ConcurrentUpdateError"), "{}", e.cause);
    }

    #[tokio::test]
    async fn throttling_and_failures_have_their_names() {
        let pad = Scratchpad::new(finding()).to_value();
        let e = run(&failing::services(Failure::Throttled), pad.clone())
            .await
            .unwrap_err();
        assert_eq!(e.error, "SecurityHub.TooManyRequestsException");
        let e = run(&failing::services(Failure::Broken), pad)
            .await
            .unwrap_err();
        assert_eq!(e.error, "SOAR.StoreFailure");
    }
}

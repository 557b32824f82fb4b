//! `update_remediated_finding`: after a verified auto-remediation, sets the finding's
//! `Workflow.Status` to `RESOLVED` in Security Hub (`BatchUpdateFindings`) with a note of what SOAR did
//! (`messages.actions_taken`), by `soar`, and sets `db.route` to `remediated`. A finding Security Hub
//! does not update is an error naming it; throttling is `SecurityHub.TooManyRequestsException`.

use soar_json::Value as Json;
use soar_model::finding::WorkflowStatus;

use super::{actions_taken, set_workflow};
use crate::core::scratchpad;
use crate::{Services, TaskError};

/// Runs the task.
pub async fn run(services: &Services, input: impl Into<Json>) -> Result<Json, TaskError> {
    let input: Json = input.into();
    let mut pad = scratchpad(input)?;
    let note = match actions_taken(&pad) {
        Some(actions) => format!("Remediated by SOAR: {actions}"),
        None => "Remediated by SOAR.".to_owned(),
    };
    set_workflow(services, &mut pad, WorkflowStatus::Resolved, &note)?;
    pad.db.insert("route".into(), "remediated".into());
    Ok(pad.to_value())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::securityhub::failing::{self, Failure};
    use crate::testing::{finding, services, stored_finding};
    use soar_model::scratchpad::Scratchpad;
    use soar_store::ChangeContext;

    #[tokio::test]
    async fn resolves_with_the_actions_taken_and_routes_remediated() {
        let services = services();
        services
            .findings
            .batch_import_findings(&[finding()], &ChangeContext::provider())
            .unwrap();
        let mut pad = Scratchpad::new(finding());
        pad.messages.actions_taken =
            "Blocked public access on bucket example-payments-uploads.".into();
        let out = run(&services, pad.to_value()).await.unwrap();
        assert_eq!(out["db"]["route"], "remediated");
        let s = stored_finding(&services);
        assert_eq!(s["Workflow"]["Status"], "RESOLVED");
        assert_eq!(
            s["Note"]["Text"],
            "Remediated by SOAR: Blocked public access on bucket example-payments-uploads."
        );
        assert_eq!(s["Note"]["UpdatedBy"], "soar");
        assert_eq!(out["finding"]["Workflow"]["Status"], "RESOLVED");

        // With nothing recorded, the note still says who resolved it.
        let out = run(&services, Scratchpad::new(finding()).to_value())
            .await
            .unwrap();
        assert_eq!(out["finding"]["Note"]["Text"], "Remediated by SOAR.");
    }

    #[tokio::test]
    async fn unprocessed_and_throttled_updates_fail_with_their_names() {
        let pad = Scratchpad::new(finding()).to_value();
        let e = run(&services(), pad.clone()).await.unwrap_err();
        assert_eq!(e.error, "SOAR.UnprocessedFinding");
        assert!(
            e.cause.contains("FindingNotFound") && e.cause.contains("RESOLVED"),
            "{}",
            e.cause
        );
        let e = run(&failing::services(Failure::Throttled), pad)
            .await
            .unwrap_err();
        assert_eq!(e.error, "SecurityHub.TooManyRequestsException");
    }
}

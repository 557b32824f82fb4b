//! `update_ticketed_finding`: after a ticket is opened for the team, sets the finding's
//! `Workflow.Status` to `NOTIFIED` in Security Hub (`BatchUpdateFindings`) with a note naming the
//! ticket (`db.ticket.id`, and its external key `db.ticket.external_ref` when it has one), by `soar`, and
//! sets `db.route` to `ticketed`. A scratchpad without a ticket id is `SOAR.InvalidScratchpad`: the
//! state machine reached this task without opening a ticket. A finding Security Hub does not update is
//! an error naming it; throttling is `SecurityHub.TooManyRequestsException`.

use serde_json::Value;
use soar_json::Value as Json;
use soar_model::finding::WorkflowStatus;

use super::set_workflow;
use crate::core::scratchpad;
use crate::{Services, TaskError, names};

/// Runs the task.
pub async fn run(services: &Services, input: impl Into<Json>) -> Result<Json, TaskError> {
    let input: Json = input.into();
    let mut pad = scratchpad(input)?;
    let ticket = pad.db.get("ticket");
    let id = match ticket.and_then(|t| t.get("id")) {
        Some(Value::String(id)) if !id.trim().is_empty() => id.trim().to_owned(),
        Some(Value::Number(n)) => n.to_string(),
        _ => {
            return Err(TaskError::new(
                names::INVALID_SCRATCHPAD,
                "/db/ticket/id: missing: Mark Ticketed needs the ticket Open Ticket opened",
            ));
        }
    };
    let external = ticket
        .and_then(|t| t.get("external_ref"))
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|r| !r.is_empty() && *r != id);
    let ticket = match external {
        Some(external) => format!("{id} ({external})"),
        None => id,
    };
    let whom = pad.account.team.as_deref().map_or_else(
        || "the account's owners".to_owned(),
        |team| format!("team {team}"),
    );
    let note = format!("SOAR opened ticket {ticket} for {whom}.");
    set_workflow(services, &mut pad, WorkflowStatus::Notified, &note)?;
    pad.db.insert("route".into(), "ticketed".into());
    Ok(pad.to_value())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::securityhub::failing::{self, Failure};
    use crate::testing::{finding, services, stored_finding};
    use serde_json::json;
    use soar_model::scratchpad::Scratchpad;
    use soar_store::ChangeContext;

    fn ticketed(ticket: Value, team: Option<&str>) -> Value {
        let mut pad = Scratchpad::new(finding());
        pad.db.insert("ticket".into(), ticket);
        pad.account.team = team.map(str::to_owned);
        pad.to_value().to_json()
    }

    #[tokio::test]
    async fn notifies_naming_the_ticket_and_routes_ticketed() {
        let services = services();
        services
            .findings
            .batch_import_findings(&[finding()], &ChangeContext::provider())
            .unwrap();
        let pad = ticketed(
            json!({"id": "7c0e7f0e-2b4d-4c47-9d0a-1f5e2c3b4a59", "external_ref": "SEC-1042"}),
            Some("platform"),
        );
        let out = run(&services, pad).await.unwrap();
        assert_eq!(out["db"]["route"], "ticketed");
        let s = stored_finding(&services);
        assert_eq!(s["Workflow"]["Status"], "NOTIFIED");
        assert_eq!(
            s["Note"]["Text"],
            "SOAR opened ticket 7c0e7f0e-2b4d-4c47-9d0a-1f5e2c3b4a59 (SEC-1042) for team platform."
        );
        assert_eq!(s["Note"]["UpdatedBy"], "soar");
        assert_eq!(out["finding"]["Workflow"]["Status"], "NOTIFIED");

        // A numeric id, no external key, no team.
        let out = run(&services, ticketed(json!({"id": 17}), None))
            .await
            .unwrap();
        assert_eq!(
            out["finding"]["Note"]["Text"],
            "SOAR opened ticket 17 for the account's owners."
        );
    }

    #[tokio::test]
    async fn no_ticket_id_is_a_scratchpad_error() {
        for ticket in [
            json!(null),
            json!({}),
            json!({"id": ""}),
            json!({"id": true}),
        ] {
            let e = run(&services(), ticketed(ticket.clone(), None))
                .await
                .unwrap_err();
            assert_eq!(e.error, "SOAR.InvalidScratchpad", "{ticket}");
            assert!(e.cause.starts_with("/db/ticket/id"), "{}", e.cause);
        }
        let e = run(&services(), Scratchpad::new(finding()).to_value())
            .await
            .unwrap_err();
        assert_eq!(e.error, "SOAR.InvalidScratchpad");
    }

    #[tokio::test]
    async fn unprocessed_and_throttled_updates_fail_with_their_names() {
        let pad = ticketed(json!({"id": "t-1"}), Some("platform"));
        let e = run(&services(), pad.clone()).await.unwrap_err();
        assert_eq!(e.error, "SOAR.UnprocessedFinding");
        assert!(
            e.cause.contains("FindingNotFound") && e.cause.contains("NOTIFIED"),
            "{}",
            e.cause
        );
        let e = run(&failing::services(Failure::Throttled), pad)
            .await
            .unwrap_err();
        assert_eq!(e.error, "SecurityHub.TooManyRequestsException");
    }
}

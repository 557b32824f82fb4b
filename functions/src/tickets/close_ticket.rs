//! `close_ticket`: closes the finding's open ticket with the reason (resolved — and how — or
//! suppressed), puts the closed ticket into `db.ticket` and sets `db.route` to `ticket_closed`. When the
//! finding has no open ticket the scratchpad is unchanged except for `db.route = "no_action"`, and the
//! ticket-closed e-mail is not sent ([`super::send_email`] skips it).
//!
//! Closing is idempotent: a retry after a close whose response was lost finds the ticket this
//! execution saw open (`db.ticket`) already closed with this very reason, and reports it as closed
//! rather than as "no action", so the team still gets its e-mail.

use serde_json::Value;
use soar_json::Value as Json;
use soar_model::finding::{ComplianceStatus, Finding, WorkflowStatus};
use soar_model::scratchpad::Scratchpad;
use soar_store::tickets::TicketAction;
use soar_store::{Ticket, TicketStatus};

use super::{add_action_taken, store_error, ticket_json};
use crate::core::scratchpad;
use crate::{Services, TaskError};

/// Runs the task.
pub async fn run(services: &Services, input: impl Into<Json>) -> Result<Json, TaskError> {
    let input: Json = input.into();
    let mut pad = scratchpad(input)?;
    let finding = pad.finding()?;
    let reason = reason(&pad, &finding);
    let closed = match services
        .tickets
        .close(&finding.id, &reason)
        .map_err(store_error)?
    {
        Some(ticket) => Some(ticket),
        None => closed_earlier(services, &pad, &reason)?,
    };
    match closed {
        Some(ticket) => {
            add_action_taken(&mut pad, &format!("Closed ticket {}: {reason}", ticket.id));
            pad.db.insert("ticket".into(), ticket_json(&ticket));
            pad.db.insert("route".into(), "ticket_closed".into());
        }
        None => {
            pad.db.insert("route".into(), "no_action".into());
        }
    }
    Ok(pad.to_value())
}

/// Why the ticket closes, as a sentence.
fn reason(pad: &Scratchpad, finding: &Finding) -> String {
    if matches!(finding.workflow_status(), Some(WorkflowStatus::Suppressed))
        || pad.actions.suppress_finding
    {
        return "the finding was suppressed.".into();
    }
    if finding
        .record_state
        .as_ref()
        .is_some_and(|s| s.as_str() == "ARCHIVED")
    {
        return "the finding was resolved (archived by its provider).".into();
    }
    if matches!(finding.compliance_status(), Some(ComplianceStatus::Passed)) {
        return "the finding was resolved (the control check now passes).".into();
    }
    if matches!(finding.workflow_status(), Some(WorkflowStatus::Resolved)) {
        return "the finding was resolved (workflow RESOLVED).".into();
    }
    "closed by SOAR.".into()
}

/// The ticket of `db.ticket` when this very close already happened (a retried call).
fn closed_earlier(
    services: &Services,
    pad: &Scratchpad,
    reason: &str,
) -> Result<Option<Ticket>, TaskError> {
    let Some(id) = pad
        .db
        .get("ticket")
        .and_then(|t| t.get("id"))
        .and_then(Value::as_str)
    else {
        return Ok(None);
    };
    let ticket = services.tickets.get_ticket(id).map_err(store_error)?;
    Ok(ticket.filter(|t| {
        t.status == TicketStatus::Closed
            && t.history
                .last()
                .is_some_and(|e| e.action == TicketAction::Closed && e.note == reason)
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{finding, services};
    use soar_store::NewTicket;

    fn open(s: &Services, f: &Value) -> Ticket {
        s.tickets
            .open_for(&NewTicket {
                finding_id: f["Id"].as_str().unwrap().into(),
                account: "444455556666".into(),
                title: "t".into(),
                severity: "HIGH".into(),
                note: "opened".into(),
                ..NewTicket::default()
            })
            .unwrap()
            .ticket
    }

    fn passed() -> Value {
        let mut f = finding();
        f["Compliance"]["Status"] = "PASSED".into();
        f["Workflow"]["Status"] = "NOTIFIED".into();
        f
    }

    #[tokio::test]
    async fn closes_the_open_ticket_with_the_reason() {
        let s = services();
        let f = passed();
        let ticket = open(&s, &f);
        let mut pad = Scratchpad::new(f);
        pad.db
            .insert("ticket".into(), crate::tickets::ticket_json(&ticket));
        let out = run(&s, pad.to_value()).await.unwrap();
        assert_eq!(out["db"]["route"], "ticket_closed");
        assert_eq!(out["db"]["ticket"]["id"], ticket.id.as_str());
        assert_eq!(out["db"]["ticket"]["status"], "CLOSED");
        assert!(out["db"]["ticket"]["closed_at"].is_string());
        let taken = out["messages"]["actions_taken"].as_str().unwrap();
        assert!(taken.contains("the control check now passes"), "{taken}");
        let stored = s.tickets.get_ticket(&ticket.id).unwrap().unwrap();
        assert_eq!(stored.status, TicketStatus::Closed);
        assert_eq!(
            stored.history.last().unwrap().note,
            "the finding was resolved (the control check now passes)."
        );

        // The retry of a close whose response was lost still reports the close.
        let again = run(&s, pad.to_value()).await.unwrap();
        assert_eq!(again["db"]["route"], "ticket_closed");
    }

    #[tokio::test]
    async fn a_suppressed_finding_closes_as_suppressed() {
        let s = services();
        let mut f = finding();
        f["Workflow"]["Status"] = "SUPPRESSED".into();
        open(&s, &f);
        let out = run(&s, Scratchpad::new(f).to_value()).await.unwrap();
        assert!(
            out["messages"]["actions_taken"]
                .as_str()
                .unwrap()
                .ends_with("the finding was suppressed.")
        );
    }

    #[tokio::test]
    async fn no_open_ticket_changes_nothing_but_the_route() {
        let s = services();
        let pad = Scratchpad::new(passed()).to_value();
        let out = run(&s, pad.clone()).await.unwrap();
        let mut expected = pad;
        expected["db"]["route"] = "no_action".into();
        assert_eq!(out, expected);
    }
}

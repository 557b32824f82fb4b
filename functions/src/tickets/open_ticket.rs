//! `open_ticket`: opens the finding's ticket for the owning team with [`TicketStore::open_for`] and puts
//! it into `db.ticket` (`id`, `status`, `opened_at`, `reopen_count`, ...), with `db.ticket_outcome`
//! saying what happened: `created`, `reopened` (the finding came back after its ticket was closed: the
//! same ticket is reopened, its history kept and `reopen_count` raised) or `already_open`.
//!
//! Idempotent: a second call for the same finding — a retry, a duplicate import, two executions racing
//! — returns the same open ticket, never a second one (the store guarantees one open ticket per
//! finding). The reference SOAR overwrote its ticket row on reopen and could open two tickets for two
//! imports of one finding.
//!
//! The incidents state machine opens its tracking ticket with this task too. When the scratchpad's
//! `db.decision` is `incident`, the ticket event's note starts with `Incident:` (also added to a ticket
//! that was already open), which is how [`super::get_ticket_and_decide`] knows the incident is
//! already being handled when the threat finding is updated again.
//!
//! [`TicketStore::open_for`]: soar_store::TicketStore::open_for

use serde_json::Value;
use soar_json::Value as Json;
use soar_model::finding::Finding;
use soar_model::scratchpad::Scratchpad;
use soar_store::NewTicket;
use soar_store::tickets::OpenOutcome;

use super::{
    add_action_taken, incident_note, is_incident_ticket, one_line, store_error, ticket_json,
};
use crate::core::scratchpad;
use crate::{Services, TaskError};

/// The longest ticket title kept, in characters.
const MAX_TITLE: usize = 256;

/// Runs the task.
pub async fn run(services: &Services, input: impl Into<Json>) -> Result<Json, TaskError> {
    let input: Json = input.into();
    let mut pad = scratchpad(input)?;
    let finding = pad.finding()?;
    let incident = pad.db.get("decision").and_then(Value::as_str) == Some("incident");
    let reason = reason(&pad, &finding);
    let note = if incident {
        incident_note(&reason)
    } else {
        reason
    };
    let new = NewTicket {
        finding_id: finding.id.clone(),
        account: pad
            .account
            .id
            .clone()
            .filter(|id| !id.trim().is_empty())
            .unwrap_or_else(|| finding.aws_account_id.clone()),
        control_id: finding.control_id(),
        title: one_line(&finding.title, MAX_TITLE),
        severity: finding
            .severity_label()
            .map_or_else(|| "UNKNOWN".to_owned(), |label| label.to_string()),
        note: note.clone(),
    };
    let opened = services.tickets.open_for(&new).map_err(store_error)?;
    let mut ticket = opened.ticket;
    if incident && opened.outcome == OpenOutcome::AlreadyOpen && !is_incident_ticket(&ticket) {
        // An ordinary ticket whose finding escalated: mark it, so the incident is started once.
        ticket = services
            .tickets
            .add_note(&ticket.id, &note)
            .map_err(store_error)?;
    }

    let (outcome, sentence) = match opened.outcome {
        OpenOutcome::Created => (
            "created",
            match pad.account.team.as_deref().filter(|t| !t.is_empty()) {
                Some(team) => format!("Opened ticket {} for team {team}.", ticket.id),
                None => format!("Opened ticket {}.", ticket.id),
            },
        ),
        OpenOutcome::Reopened => (
            "reopened",
            format!(
                "Reopened ticket {}: the finding came back after the ticket was closed (reopened {} time{}).",
                ticket.id,
                ticket.reopen_count,
                if ticket.reopen_count == 1 { "" } else { "s" }
            ),
        ),
        OpenOutcome::AlreadyOpen => (
            "already_open",
            format!("Ticket {} is open for this finding.", ticket.id),
        ),
    };
    add_action_taken(&mut pad, &sentence);
    pad.db.insert("ticket".into(), ticket_json(&ticket));
    pad.db.insert("ticket_outcome".into(), outcome.into());
    Ok(pad.to_value())
}

/// Why the ticket is opened, for its history.
fn reason(pad: &Scratchpad, finding: &Finding) -> String {
    if pad.actions.autoremediation_not_done {
        let control = finding.control_id().unwrap_or_else(|| "the control".into());
        let error = pad
            .db
            .get("remediation_error")
            .and_then(|e| e.get("Error"))
            .and_then(Value::as_str);
        return match error {
            Some(error) => format!(
                "Auto-remediation of {control} failed ({}): the team must fix it.",
                one_line(error, 200)
            ),
            None => format!("Auto-remediation of {control} was not done: the team must fix it."),
        };
    }
    pad.db
        .get("decision_reason")
        .and_then(Value::as_str)
        .map_or_else(|| "Opened by SOAR.".to_owned(), |r| one_line(r, 1000))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{finding, services};
    use serde_json::json;

    fn pad() -> Value {
        let mut pad = Scratchpad::new(finding());
        pad.account.id = Some("444455556666".into());
        pad.account.team = Some("platform".into());
        pad.db.insert("decision".into(), "ticket".into());
        pad.db.insert(
            "decision_reason".into(),
            "Control S3.8 failed and needs the team's fix: open a ticket.".into(),
        );
        pad.to_value().to_json()
    }

    #[tokio::test]
    async fn opens_a_ticket_into_db_ticket() {
        let s = services();
        let out = run(&s, pad()).await.unwrap();
        let t = &out["db"]["ticket"];
        assert_eq!(t["status"], "OPEN");
        assert_eq!(t["reopen_count"], 0);
        assert!(t["opened_at"].as_str().unwrap().ends_with('Z'));
        assert_eq!(t["control_id"], "S3.8");
        assert_eq!(out["db"]["ticket_outcome"], "created");
        let id = t["id"].as_str().unwrap();
        assert_eq!(
            out["messages"]["actions_taken"],
            format!("Opened ticket {id} for team platform.")
        );
        let stored = s.tickets.get_ticket(id).unwrap().unwrap();
        assert_eq!(stored.account, "444455556666");
        assert_eq!(stored.severity, "HIGH");
        assert_eq!(
            stored.history[0].note,
            "Control S3.8 failed and needs the team's fix: open a ticket."
        );
    }

    #[tokio::test]
    async fn a_second_call_returns_the_same_ticket() {
        let s = services();
        let first = run(&s, pad()).await.unwrap();
        let second = run(&s, pad()).await.unwrap();
        assert_eq!(first["db"]["ticket"]["id"], second["db"]["ticket"]["id"]);
        assert_eq!(second["db"]["ticket_outcome"], "already_open");
        let all = s
            .tickets
            .list(&soar_store::tickets::TicketFilter::default())
            .unwrap();
        assert_eq!(all.len(), 1, "never a second ticket");
    }

    #[tokio::test]
    async fn a_finding_that_comes_back_reopens_its_ticket_keeping_history() {
        let s = services();
        let first = run(&s, pad()).await.unwrap();
        let id = first["db"]["ticket"]["id"].as_str().unwrap().to_owned();
        s.tickets
            .close(finding()["Id"].as_str().unwrap(), "fixed")
            .unwrap();
        let again = run(&s, pad()).await.unwrap();
        assert_eq!(again["db"]["ticket"]["id"], id.as_str());
        assert_eq!(again["db"]["ticket"]["reopen_count"], 1);
        assert_eq!(again["db"]["ticket_outcome"], "reopened");
        assert!(
            again["messages"]["actions_taken"]
                .as_str()
                .unwrap()
                .contains("reopened 1 time)")
        );
        assert_eq!(s.tickets.get_ticket(&id).unwrap().unwrap().history.len(), 3);
    }

    #[tokio::test]
    async fn an_incident_marks_its_ticket_even_when_already_open() {
        let s = services();
        run(&s, pad()).await.unwrap();
        let mut incident: Value = pad();
        incident["db"]["decision"] = "incident".into();
        let out = run(&s, incident.clone()).await.unwrap();
        let id = out["db"]["ticket"]["id"].as_str().unwrap();
        let ticket = s.tickets.get_ticket(id).unwrap().unwrap();
        assert!(is_incident_ticket(&ticket));
        // Marked once, not on every call.
        run(&s, incident).await.unwrap();
        assert_eq!(s.tickets.get_ticket(id).unwrap().unwrap().history.len(), 2);
    }

    #[tokio::test]
    async fn a_failed_remediation_says_so_in_the_history() {
        let s = services();
        let mut p = pad();
        p["actions"]["autoremediation_not_done"] = true.into();
        p["db"]["remediation_error"] = json!({"Error": "States.TaskFailed", "Cause": "..."});
        let out = run(&s, p).await.unwrap();
        let ticket = s
            .tickets
            .get_ticket(out["db"]["ticket"]["id"].as_str().unwrap())
            .unwrap()
            .unwrap();
        assert_eq!(
            ticket.history[0].note,
            "Auto-remediation of S3.8 failed (States.TaskFailed): the team must fix it."
        );
    }
}

//! Ticket and e-mail tasks: deciding the route, opening and closing tickets, e-mailing teams,
//! recording rejected findings.
//!
//! | task | what it does |
//! | --- | --- |
//! | [`suppress_locally`] | applies the local suppression rules; a match sets `actions.suppress_finding` |
//! | [`get_ticket_and_decide`] | the ASFF processor's router: sets `db.decision` (once per finding event) |
//! | [`open_ticket`] | opens (or reopens) the finding's one ticket; never a second one |
//! | [`close_ticket`] | closes the finding's open ticket with the reason |
//! | [`send_email`] | e-mails the owning team (plain text and HTML) about a ticket, remediation or incident |
//! | [`record_rejection`] | e-mails the security team a finding SOAR could not read, so none is lost |
//!
//! Store failures are raised as `DynamoDB.ThrottlingException` when a retry may succeed (the ASL's
//! store Retry lists it) and as `SOAR.StoreFailure` otherwise.

pub mod close_ticket;
pub mod get_ticket_and_decide;
pub mod open_ticket;
pub mod record_rejection;
pub mod send_email;
pub mod suppress_locally;

use serde_json::{Value, json};
use soar_model::scratchpad::{DEFAULT_ACTIONS_TAKEN, Scratchpad};
use soar_store::tickets::{TicketAction, TicketEvent};
use soar_store::{StoreError, Ticket};

use crate::TaskError;

/// The error name for settings that cannot be applied (an unknown severity label); not retried.
pub const INVALID_SETTINGS: &str = "SOAR.InvalidSettings";

/// Notes of ticket events that mark the ticket as an incident's: [`open_ticket`] writes them when the
/// incidents state machine opens (or finds already open) the ticket, and [`get_ticket_and_decide`] reads
/// them so a threat finding updated again and again starts its incident once, not on every update.
pub const INCIDENT_NOTE_PREFIX: &str = "Incident:";

/// A store error as a task error (see `From<StoreError> for TaskError`).
pub(crate) fn store_error(error: StoreError) -> TaskError {
    error.into()
}

/// `db.ticket`: what later tasks and e-mails need of a ticket (its full history stays in the store).
pub(crate) fn ticket_json(ticket: &Ticket) -> Value {
    json!({
        "id": ticket.id,
        "status": ticket.status.as_str(),
        "opened_at": soar_store::timefmt::format_asff(ticket.opened_at),
        "last_opened_at": soar_store::timefmt::format_asff(ticket.last_opened_at()),
        "closed_at": ticket.closed_at.map(soar_store::timefmt::format_asff),
        "reopen_count": ticket.reopen_count,
        "severity": ticket.severity,
        "control_id": ticket.control_id,
        "external_ref": ticket.external_ref,
    })
}

/// The events of the ticket's current cycle: from its last `Opened`/`Reopened` event on.
pub(crate) fn current_cycle(ticket: &Ticket) -> &[TicketEvent] {
    let start = ticket
        .history
        .iter()
        .rposition(|e| matches!(e.action, TicketAction::Opened | TicketAction::Reopened))
        .unwrap_or(0);
    &ticket.history[start..]
}

/// A ticket event note that marks the ticket as an incident's.
pub(crate) fn incident_note(reason: &str) -> String {
    format!("{INCIDENT_NOTE_PREFIX} {reason}")
}

/// Whether the ticket, in its current cycle, tracks an incident.
pub(crate) fn is_incident_ticket(ticket: &Ticket) -> bool {
    current_cycle(ticket)
        .iter()
        .any(|e| e.note.starts_with(INCIDENT_NOTE_PREFIX))
}

/// Adds a sentence to `messages.actions_taken`, replacing the default `None.`.
pub(crate) fn add_action_taken(pad: &mut Scratchpad, sentence: &str) {
    let taken = &mut pad.messages.actions_taken;
    if taken.trim().is_empty() || taken == DEFAULT_ACTIONS_TAKEN {
        *taken = sentence.to_owned();
    } else {
        taken.push(' ');
        taken.push_str(sentence);
    }
}

/// Escapes text for HTML element content and attribute values.
pub(crate) fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 8);
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// `text` cut to at most `max` bytes at a character boundary, and whether it was cut.
pub(crate) fn truncate(text: &str, max: usize) -> (&str, bool) {
    if text.len() <= max {
        return (text, false);
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    (&text[..end], true)
}

/// One line of at most `max` characters: control characters (line breaks) become spaces, runs of
/// spaces one space; an ellipsis marks a cut.
pub(crate) fn one_line(text: &str, max: usize) -> String {
    let mut line = String::with_capacity(text.len().min(max * 4));
    for word in text.split(|c: char| c.is_control() || c.is_whitespace()) {
        if word.is_empty() {
            continue;
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if line.chars().count() > max {
        let mut cut: String = line.chars().take(max.saturating_sub(1)).collect();
        cut.push('…');
        return cut;
    }
    line
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Services, Settings};
    use std::sync::Arc;

    /// Runs a scratchpad-in, scratchpad-out task, as a Task state without `Parameters` does.
    async fn step(services: &Services, task: &str, pad: Value) -> Value {
        let out = match task {
            "set_up_scratchpad" => crate::core::set_up_scratchpad::run(services, pad).await,
            "get_account_data" => crate::core::get_account_data::run(services, pad).await,
            "suppress_locally" => suppress_locally::run(services, pad).await,
            "get_ticket_and_decide" => get_ticket_and_decide::run(services, pad).await,
            "open_ticket" => open_ticket::run(services, pad).await,
            "close_ticket" => close_ticket::run(services, pad).await,
            other => panic!("no task {other}"),
        };
        out.unwrap().to_json()
    }

    /// `SendEmailFunctionArn` with `Parameters: {kind, scratchpad.$: $}` and `ResultPath: $.db.email`.
    async fn email(services: &Services, kind: &str, mut pad: Value) -> Value {
        let result = send_email::run(services, json!({"kind": kind, "scratchpad": pad.clone()}))
            .await
            .unwrap();
        pad["db"]["email"] = result.to_json();
        pad
    }

    /// The ASFF processor's path for one event, up to and including the routed branch.
    async fn process(services: &Services, finding: Value) -> Value {
        let mut pad = step(services, "set_up_scratchpad", finding).await;
        for task in [
            "get_account_data",
            "suppress_locally",
            "get_ticket_and_decide",
        ] {
            pad = step(services, task, pad).await;
        }
        match pad["db"]["decision"].as_str().unwrap() {
            "ticket" => {
                let pad = step(services, "open_ticket", pad).await;
                email(services, "ticket_opened", pad).await
            }
            "close_ticket" => {
                let pad = step(services, "close_ticket", pad).await;
                email(services, "ticket_closed", pad).await
            }
            _ => pad,
        }
    }

    #[tokio::test]
    async fn a_finding_s_life_one_ticket_closed_and_reopened() {
        let store = Arc::new(soar_store::LocalStore::in_memory().unwrap());
        let s = Services::local(store.clone(), Settings::embedded());
        let failed: Value = serde_json::from_str(include_str!(
            "../../../examples/findings/cis-1.2.0-rule-2.7.json"
        ))
        .unwrap();

        let opened = process(&s, failed.clone()).await;
        assert_eq!(opened["db"]["decision"], "ticket");
        assert_eq!(opened["db"]["ticket_outcome"], "created");
        assert_eq!(opened["db"]["email"]["sent"], true);
        assert_eq!(
            opened["db"]["email"]["to"],
            json!(["platform-team@example.com"])
        );
        let id = opened["db"]["ticket"]["id"].clone();

        // The same import again (EventBridge redelivery, a second import): nothing at all.
        let again = process(&s, failed.clone()).await;
        assert_eq!(again["db"]["decision"], "do_nothing");
        assert_eq!(again["db"]["duplicate"], true);

        // Fixed: Security Hub keeps it ACTIVE as NOTIFIED + PASSED.
        let mut fixed = failed.clone();
        fixed["Compliance"]["Status"] = "PASSED".into();
        fixed["Workflow"]["Status"] = "NOTIFIED".into();
        fixed["UpdatedAt"] = "2026-03-12T08:00:00.000Z".into();
        let closed = process(&s, fixed).await;
        assert_eq!(closed["db"]["decision"], "close_ticket");
        assert_eq!(closed["db"]["route"], "ticket_closed");
        assert_eq!(closed["db"]["ticket"]["id"], id);
        assert_eq!(closed["db"]["email"]["sent"], true);

        // Broken again: the same ticket reopens, its history kept.
        let mut broken = failed;
        broken["UpdatedAt"] = "2026-03-13T08:00:00.000Z".into();
        let reopened = process(&s, broken).await;
        assert_eq!(reopened["db"]["ticket_outcome"], "reopened");
        assert_eq!(reopened["db"]["ticket"]["id"], id);
        assert_eq!(reopened["db"]["ticket"]["reopen_count"], 1);

        let tickets = s
            .tickets
            .list(&soar_store::tickets::TicketFilter::default())
            .unwrap();
        assert_eq!(tickets.len(), 1, "one ticket for one finding, ever");
        assert_eq!(tickets[0].history.len(), 3, "opened, closed, reopened");
        let subjects: Vec<String> = store
            .memory_outbox()
            .unwrap()
            .sent()
            .into_iter()
            .map(|(_, e, _)| e.subject)
            .collect();
        assert_eq!(subjects.len(), 3, "{subjects:?}");
        assert!(subjects[1].contains(" closed: "), "{subjects:?}");
        assert!(subjects[2].contains(" reopened: "), "{subjects:?}");
    }

    #[test]
    fn html_escaping_covers_markup_and_attributes() {
        assert_eq!(
            escape_html(r#"<script>alert("x")</script> & 'y'"#),
            "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;y&#39;"
        );
    }

    #[test]
    fn truncation_respects_character_boundaries() {
        assert_eq!(truncate("abc", 3), ("abc", false));
        assert_eq!(truncate("héllo", 2), ("h", true));
        assert_eq!(one_line("a\r\nBcc:  x\t y", 80), "a Bcc: x y");
        assert_eq!(one_line("abcdef", 4), "abc…");
    }

    #[test]
    fn actions_taken_replaces_the_default_then_appends() {
        let mut pad = Scratchpad::new(json!({}));
        add_action_taken(&mut pad, "One.");
        add_action_taken(&mut pad, "Two.");
        assert_eq!(pad.messages.actions_taken, "One. Two.");
    }
}

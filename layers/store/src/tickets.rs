//! Tickets: one open ticket per finding, and a history that is only ever appended to.
//!
//! The reference SOAR kept one row per finding and overwrote it when a finding came back, and two
//! imports of the same finding could open two tickets. Here [`TicketStore::open_for`] is idempotent
//! (an open ticket for the finding is returned as it is), and a finding that comes back after its ticket
//! was closed reopens that ticket: `reopen_count` goes up by one and a `Reopened` event is appended.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::error::Result;
use crate::timefmt::rfc3339;

/// Whether a ticket is being worked on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum TicketStatus {
    /// Waiting for the team.
    Open,
    /// Done: the finding was fixed, suppressed or went away.
    Closed,
}

impl TicketStatus {
    /// The stored and serialized name: `OPEN` or `CLOSED`.
    pub fn as_str(self) -> &'static str {
        match self {
            TicketStatus::Open => "OPEN",
            TicketStatus::Closed => "CLOSED",
        }
    }

    /// The inverse of [`TicketStatus::as_str`].
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "OPEN" => Some(TicketStatus::Open),
            "CLOSED" => Some(TicketStatus::Closed),
            _ => None,
        }
    }
}

/// What happened to a ticket.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum TicketAction {
    /// The ticket was created.
    Opened,
    /// The finding came back after the ticket was closed.
    Reopened,
    /// The ticket was closed.
    Closed,
    /// A note was added.
    Noted,
    /// The ticket was linked to an external system (Jira, ServiceNow, ...).
    Linked,
}

impl TicketAction {
    /// The stored and serialized name, e.g. `REOPENED`.
    pub fn as_str(self) -> &'static str {
        match self {
            TicketAction::Opened => "OPENED",
            TicketAction::Reopened => "REOPENED",
            TicketAction::Closed => "CLOSED",
            TicketAction::Noted => "NOTED",
            TicketAction::Linked => "LINKED",
        }
    }

    /// The inverse of [`TicketAction::as_str`].
    pub fn parse(text: &str) -> Option<Self> {
        Some(match text {
            "OPENED" => TicketAction::Opened,
            "REOPENED" => TicketAction::Reopened,
            "CLOSED" => TicketAction::Closed,
            "NOTED" => TicketAction::Noted,
            "LINKED" => TicketAction::Linked,
            _ => return None,
        })
    }
}

/// One entry of a ticket's history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TicketEvent {
    /// When it happened.
    #[serde(with = "rfc3339")]
    pub at: OffsetDateTime,
    /// What happened.
    pub action: TicketAction,
    /// Why, or the note's text.
    pub note: String,
}

/// A ticket for a team to fix a finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ticket {
    /// The ticket's id (a UUID).
    pub id: String,
    /// The Security Hub finding id (`Id` in ASFF) the ticket is about.
    pub finding_id: String,
    /// The AWS account of the finding.
    pub account: String,
    /// The security control id, e.g. `EC2.2`, when the finding is a control finding.
    pub control_id: Option<String>,
    /// A one-line summary.
    pub title: String,
    /// The severity label when the ticket was last (re)opened (`CRITICAL`, `HIGH`, ...).
    pub severity: String,
    /// Open or closed.
    pub status: TicketStatus,
    /// When the ticket was first opened.
    #[serde(with = "rfc3339")]
    pub opened_at: OffsetDateTime,
    /// When the ticket was last closed; `None` while it is open.
    #[serde(default, with = "rfc3339::option")]
    pub closed_at: Option<OffsetDateTime>,
    /// How many times the ticket was reopened.
    pub reopen_count: u32,
    /// Everything that happened to the ticket, oldest first.
    pub history: Vec<TicketEvent>,
    /// The key of the ticket in an external system, e.g. `SEC-1234` in Jira.
    pub external_ref: Option<String>,
}

impl Ticket {
    /// When the ticket was last opened or reopened (for overdue reminders).
    pub fn last_opened_at(&self) -> OffsetDateTime {
        self.history
            .iter()
            .rev()
            .find(|event| matches!(event.action, TicketAction::Opened | TicketAction::Reopened))
            .map_or(self.opened_at, |event| event.at)
    }
}

/// What [`TicketStore::open_for`] needs to open a ticket.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct NewTicket {
    /// The Security Hub finding id.
    pub finding_id: String,
    /// The AWS account of the finding.
    pub account: String,
    /// The security control id, if any.
    pub control_id: Option<String>,
    /// A one-line summary.
    pub title: String,
    /// The severity label.
    pub severity: String,
    /// Why the ticket is opened; goes into the `Opened`/`Reopened` event.
    pub note: String,
}

/// What [`TicketStore::open_for`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum OpenOutcome {
    /// A new ticket was created.
    Created,
    /// The finding's closed ticket was reopened.
    Reopened,
    /// The finding already had an open ticket; nothing changed.
    AlreadyOpen,
}

/// The ticket [`TicketStore::open_for`] returns, and what it did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpenedTicket {
    /// The finding's open ticket.
    pub ticket: Ticket,
    /// Whether it was created, reopened or already open.
    pub outcome: OpenOutcome,
}

/// Which tickets [`TicketStore::list`] returns; every field that is set must match.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct TicketFilter {
    /// Only tickets with this status.
    pub status: Option<TicketStatus>,
    /// Only tickets of this account.
    pub account: Option<String>,
    /// Only tickets of this control.
    pub control_id: Option<String>,
    /// Only the tickets of this finding.
    pub finding_id: Option<String>,
    /// At most this many tickets (oldest first).
    pub limit: Option<usize>,
}

/// Where tickets live: SQLite in the embedded backend, DynamoDB in the AWS backend.
pub trait TicketStore {
    /// Returns the finding's open ticket, or reopens its most recent closed ticket, or creates one.
    /// Never creates a second open ticket for a finding, even when called concurrently.
    fn open_for(&self, new: &NewTicket) -> Result<OpenedTicket>;

    /// The finding's open ticket, if it has one.
    fn get_open(&self, finding_id: &str) -> Result<Option<Ticket>>;

    /// A ticket by its id.
    fn get_ticket(&self, ticket_id: &str) -> Result<Option<Ticket>>;

    /// Closes the finding's open ticket with a reason and returns it; `None` when the finding has no
    /// open ticket (closing twice is harmless).
    fn close(&self, finding_id: &str, reason: &str) -> Result<Option<Ticket>>;

    /// Appends a note to a ticket's history. Fails with [`crate::StoreError::NotFound`] for an unknown id.
    fn add_note(&self, ticket_id: &str, note: &str) -> Result<Ticket>;

    /// Records the key of the ticket in an external system (appends a `Linked` event).
    fn set_external_ref(&self, ticket_id: &str, external_ref: &str) -> Result<Ticket>;

    /// The tickets that match the filter, oldest first.
    fn list(&self, filter: &TicketFilter) -> Result<Vec<Ticket>>;
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn names_round_trip() {
        for status in [TicketStatus::Open, TicketStatus::Closed] {
            assert_eq!(TicketStatus::parse(status.as_str()), Some(status));
            assert_eq!(serde_json::to_value(status).unwrap(), status.as_str());
        }
        for action in [
            TicketAction::Opened,
            TicketAction::Reopened,
            TicketAction::Closed,
            TicketAction::Noted,
            TicketAction::Linked,
        ] {
            assert_eq!(TicketAction::parse(action.as_str()), Some(action));
            assert_eq!(serde_json::to_value(action).unwrap(), action.as_str());
        }
    }

    #[test]
    fn last_opened_at_is_the_latest_reopen() {
        let event = |at, action| TicketEvent {
            at,
            action,
            note: String::new(),
        };
        let mut ticket = Ticket {
            id: "t".into(),
            finding_id: "f".into(),
            account: "111122223333".into(),
            control_id: None,
            title: "t".into(),
            severity: "HIGH".into(),
            status: TicketStatus::Open,
            opened_at: datetime!(2026-01-01 0:00 UTC),
            closed_at: None,
            reopen_count: 0,
            history: vec![event(datetime!(2026-01-01 0:00 UTC), TicketAction::Opened)],
            external_ref: None,
        };
        assert_eq!(ticket.last_opened_at(), datetime!(2026-01-01 0:00 UTC));
        ticket
            .history
            .push(event(datetime!(2026-01-02 0:00 UTC), TicketAction::Closed));
        ticket.history.push(event(
            datetime!(2026-01-03 0:00 UTC),
            TicketAction::Reopened,
        ));
        ticket
            .history
            .push(event(datetime!(2026-01-04 0:00 UTC), TicketAction::Noted));
        assert_eq!(ticket.last_opened_at(), datetime!(2026-01-03 0:00 UTC));
    }
}

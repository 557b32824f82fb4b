//! [`TicketStore`] over SQLite.

use rusqlite::{Connection, OptionalExtension, params};

use super::LocalStore;
use super::stored::db;
use super::stored::{from_db, to_db};
use crate::error::{Result, StoreError};
use crate::tickets::{
    NewTicket, OpenOutcome, OpenedTicket, Ticket, TicketAction, TicketEvent, TicketFilter,
    TicketStatus, TicketStore,
};

macro_rules! columns {
    () => {
        "id, finding_id, account, control_id, title, severity, status, opened_at, closed_at, \
         reopen_count, external_ref"
    };
}

// The statements of the hot path. Where a query has ORDER BY or max(), an equality parameter is written
// `+?1`: SQLite (built with STAT4) otherwise marks the parameter as affecting the plan, and as rusqlite's
// statement cache clears the bindings of each statement it takes back, SQLite would then re-prepare
// (parse and plan) the statement on every call. The unary `+` keeps the index.
pub(super) const OPEN_TICKET: &str = concat!(
    "SELECT ",
    columns!(),
    " FROM tickets WHERE finding_id = ?1 AND status = 'OPEN'"
);
pub(super) const TICKET_BY_ID: &str = concat!("SELECT ", columns!(), " FROM tickets WHERE id = ?1");
pub(super) const HISTORY: &str =
    "SELECT at, action, note FROM ticket_events WHERE ticket_id = +?1 ORDER BY seq";
/// The finding's open ticket if it has one, else its last closed one: one lookup decides whether
/// `open_for` finds, reopens or creates.
pub(super) const LATEST_TICKET: &str = "SELECT id, status FROM tickets WHERE finding_id = +?1
     ORDER BY status = 'OPEN' DESC, opened_at DESC, rowid DESC LIMIT 1";
pub(super) const APPEND_EVENT: &str = "INSERT INTO ticket_events (ticket_id, seq, at, action, note)
     VALUES (?1, (SELECT coalesce(max(seq), 0) + 1 FROM ticket_events WHERE ticket_id = +?1), ?2, ?3, ?4)";

fn row_to_ticket(row: &rusqlite::Row<'_>) -> rusqlite::Result<Ticket> {
    let status: String = row.get(6)?;
    let opened_at: String = row.get(7)?;
    let closed_at: Option<String> = row.get(8)?;
    Ok(Ticket {
        id: row.get(0)?,
        finding_id: row.get(1)?,
        account: row.get(2)?,
        control_id: row.get(3)?,
        title: row.get(4)?,
        severity: row.get(5)?,
        status: TicketStatus::parse(&status).ok_or_else(|| bad_text(6, &status))?,
        opened_at: from_db(&opened_at)?,
        closed_at: closed_at.as_deref().map(from_db).transpose()?,
        reopen_count: row.get(9)?,
        history: Vec::new(),
        external_ref: row.get(10)?,
    })
}

pub(super) fn bad_text(column: usize, text: &str) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(
        column,
        rusqlite::types::Type::Text,
        format!("unexpected value {text:?}").into(),
    )
}

fn with_history(conn: &Connection, mut ticket: Ticket) -> rusqlite::Result<Ticket> {
    let mut statement = conn.prepare_cached(HISTORY)?;
    ticket.history = statement
        .query_map([&ticket.id], |row| {
            let at: String = row.get(0)?;
            let action: String = row.get(1)?;
            Ok(TicketEvent {
                at: from_db(&at)?,
                action: TicketAction::parse(&action).ok_or_else(|| bad_text(1, &action))?,
                note: row.get(2)?,
            })
        })?
        .collect::<rusqlite::Result<_>>()?;
    Ok(ticket)
}

fn open_ticket(conn: &Connection, finding_id: &str) -> rusqlite::Result<Option<Ticket>> {
    let ticket = conn
        .prepare_cached(OPEN_TICKET)?
        .query_row([finding_id], row_to_ticket)
        .optional()?;
    ticket.map(|ticket| with_history(conn, ticket)).transpose()
}

fn ticket_by_id(conn: &Connection, ticket_id: &str) -> rusqlite::Result<Option<Ticket>> {
    let ticket = conn
        .prepare_cached(TICKET_BY_ID)?
        .query_row([ticket_id], row_to_ticket)
        .optional()?;
    ticket.map(|ticket| with_history(conn, ticket)).transpose()
}

fn append_event(
    conn: &Connection,
    ticket_id: &str,
    at: &str,
    action: TicketAction,
    note: &str,
) -> rusqlite::Result<()> {
    conn.prepare_cached(APPEND_EVENT)?
        .execute(params![ticket_id, at, action.as_str(), note])?;
    Ok(())
}

impl LocalStore {
    fn note_on(
        &self,
        ticket_id: &str,
        action: TicketAction,
        note: &str,
        external_ref: Option<&str>,
    ) -> Result<Ticket> {
        let now = to_db(self.now());
        self.write("update ticket", ticket_id, |tx| {
            let op = db("update ticket", ticket_id);
            if let Some(external_ref) = external_ref {
                let changed = tx
                    .prepare_cached("UPDATE tickets SET external_ref = ?2 WHERE id = ?1")
                    .and_then(|mut s| s.execute(params![ticket_id, external_ref]))
                    .map_err(db("update ticket", ticket_id))?;
                if changed == 0 {
                    return Err(StoreError::not_found("ticket", ticket_id));
                }
            } else if ticket_by_id(tx, ticket_id)
                .map_err(db("update ticket", ticket_id))?
                .is_none()
            {
                return Err(StoreError::not_found("ticket", ticket_id));
            }
            append_event(tx, ticket_id, &now, action, note)
                .map_err(db("update ticket", ticket_id))?;
            ticket_by_id(tx, ticket_id)
                .map_err(op)?
                .ok_or_else(|| StoreError::not_found("ticket", ticket_id))
        })
    }
}

impl TicketStore for LocalStore {
    fn open_for(&self, new: &NewTicket) -> Result<OpenedTicket> {
        if new.finding_id.is_empty() {
            return Err(StoreError::invalid(
                "ticket",
                "finding_id",
                "the finding id is empty",
            ));
        }
        let key = new.finding_id.as_str();
        let now = to_db(self.now());
        self.write("open ticket", key, |tx| {
            let err = || db("open ticket", key);
            let latest: Option<(String, String)> = tx
                .prepare_cached(LATEST_TICKET)
                .and_then(|mut s| s.query_row([key], |row| Ok((row.get(0)?, row.get(1)?))).optional())
                .map_err(err())?;
            let (ticket_id, outcome) = match latest {
                Some((ticket_id, status)) if status == TicketStatus::Open.as_str() => {
                    (ticket_id, OpenOutcome::AlreadyOpen)
                }
                Some((ticket_id, _closed)) => {
                    tx.prepare_cached(
                        "UPDATE tickets SET status = 'OPEN', closed_at = NULL, reopen_count = reopen_count + 1,
                                title = ?2, severity = ?3, account = ?4, control_id = coalesce(?5, control_id)
                         WHERE id = ?1",
                    )
                    .and_then(|mut s| s.execute(params![ticket_id, new.title, new.severity, new.account, new.control_id]))
                    .map_err(err())?;
                    append_event(tx, &ticket_id, &now, TicketAction::Reopened, &new.note).map_err(err())?;
                    (ticket_id, OpenOutcome::Reopened)
                }
                None => {
                    let ticket_id = uuid::Uuid::new_v4().to_string();
                    tx.prepare_cached(
                        "INSERT INTO tickets (id, finding_id, account, control_id, title, severity, status, opened_at)
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'OPEN', ?7)",
                    )
                    .and_then(|mut s| {
                        s.execute(params![ticket_id, key, new.account, new.control_id, new.title, new.severity, now])
                    })
                    .map_err(err())?;
                    append_event(tx, &ticket_id, &now, TicketAction::Opened, &new.note).map_err(err())?;
                    // Everything the new row holds is known here: no need to read it back.
                    let opened_at = from_db(&now).map_err(err())?;
                    let ticket = Ticket {
                        id: ticket_id,
                        finding_id: key.to_owned(),
                        account: new.account.clone(),
                        control_id: new.control_id.clone(),
                        title: new.title.clone(),
                        severity: new.severity.clone(),
                        status: TicketStatus::Open,
                        opened_at,
                        closed_at: None,
                        reopen_count: 0,
                        history: vec![TicketEvent {
                            at: opened_at,
                            action: TicketAction::Opened,
                            note: new.note.clone(),
                        }],
                        external_ref: None,
                    };
                    return Ok(OpenedTicket { ticket, outcome: OpenOutcome::Created });
                }
            };
            let ticket = ticket_by_id(tx, &ticket_id).map_err(err())?.ok_or_else(|| StoreError::not_found("ticket", &ticket_id))?;
            Ok(OpenedTicket { ticket, outcome })
        })
    }

    fn get_open(&self, finding_id: &str) -> Result<Option<Ticket>> {
        self.read(|conn| open_ticket(conn, finding_id).map_err(db("read open ticket", finding_id)))
    }

    fn get_ticket(&self, ticket_id: &str) -> Result<Option<Ticket>> {
        self.read(|conn| ticket_by_id(conn, ticket_id).map_err(db("read ticket", ticket_id)))
    }

    fn close(&self, finding_id: &str, reason: &str) -> Result<Option<Ticket>> {
        let now = to_db(self.now());
        self.write("close ticket", finding_id, |tx| {
            let err = || db("close ticket", finding_id);
            let Some(ticket) = open_ticket(tx, finding_id).map_err(err())? else {
                return Ok(None);
            };
            tx.prepare_cached("UPDATE tickets SET status = 'CLOSED', closed_at = ?2 WHERE id = ?1")
                .and_then(|mut s| s.execute(params![ticket.id, now]))
                .map_err(err())?;
            append_event(tx, &ticket.id, &now, TicketAction::Closed, reason).map_err(err())?;
            ticket_by_id(tx, &ticket.id).map_err(err())
        })
    }

    fn add_note(&self, ticket_id: &str, note: &str) -> Result<Ticket> {
        self.note_on(ticket_id, TicketAction::Noted, note, None)
    }

    fn set_external_ref(&self, ticket_id: &str, external_ref: &str) -> Result<Ticket> {
        self.note_on(
            ticket_id,
            TicketAction::Linked,
            external_ref,
            Some(external_ref),
        )
    }

    fn list(&self, filter: &TicketFilter) -> Result<Vec<Ticket>> {
        let limit = filter
            .limit
            .map_or(-1, |limit| i64::try_from(limit).unwrap_or(i64::MAX));
        self.read(|conn| {
            let err = || db("list tickets", "filter");
            let mut statement = conn
                .prepare_cached(concat!(
                    "SELECT ",
                    columns!(),
                    " FROM tickets
                     WHERE (?1 IS NULL OR status = ?1) AND (?2 IS NULL OR account = ?2)
                       AND (?3 IS NULL OR control_id = ?3) AND (?4 IS NULL OR finding_id = ?4)
                     ORDER BY opened_at, rowid LIMIT ?5"
                ))
                .map_err(err())?;
            let tickets = statement
                .query_map(
                    params![
                        filter.status.map(TicketStatus::as_str),
                        filter.account,
                        filter.control_id,
                        filter.finding_id,
                        limit
                    ],
                    row_to_ticket,
                )
                .and_then(|rows| rows.collect::<rusqlite::Result<Vec<_>>>())
                .map_err(err())?;
            tickets
                .into_iter()
                .map(|ticket| with_history(conn, ticket).map_err(err()))
                .collect()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn new(finding_id: &str) -> NewTicket {
        NewTicket {
            finding_id: finding_id.into(),
            account: "111122223333".into(),
            control_id: Some("EC2.19".into()),
            title: "Open security group".into(),
            severity: "HIGH".into(),
            note: "failed control".into(),
        }
    }

    /// Two processes (two connections) on the same file cannot open two tickets for one finding: the
    /// partial unique index refuses the second open row.
    #[test]
    fn the_database_itself_refuses_a_second_open_ticket() {
        let dir = tempfile::tempdir().unwrap();
        let a = LocalStore::open(dir.path()).unwrap();
        let b = LocalStore::open(dir.path()).unwrap();
        let first = a.open_for(&new("f-1")).unwrap();
        assert_eq!(b.open_for(&new("f-1")).unwrap().ticket.id, first.ticket.id);
        let raw = b.read(|conn| {
            Ok(conn.execute(
                "INSERT INTO tickets (id, finding_id, account, title, severity, status, opened_at)
                 VALUES ('x', 'f-1', 'a', 't', 's', 'OPEN', '2026-01-01T00:00:00.000000000Z')",
                [],
            ))
        });
        assert!(raw.unwrap().is_err(), "UNIQUE partial index");
    }
}

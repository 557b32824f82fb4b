//! [`DynamoTicketStore`]: the tickets.
//!
//! A finding has at most one ticket ever (a finding that comes back reopens it), so the ticket lives in
//! the finding's item, and "one open ticket per finding" is the item's key:
//!
//! * `PK = FINDING#<finding id>`, `SK = TICKET`: the whole ticket (`ticket_id`, `account`, `control_id`,
//!   `title`, `severity`, `status`, `opened_at`, `closed_at`, `reopen_count`, `external_ref`) and its
//!   history as a list attribute `history` of maps `{at, action, note}`, appended to with
//!   `list_append`, never rewritten.
//! * `PK = TICKET#<ticket id>`, `SK = TICKET`: `finding_id`, to find a ticket by its id.
//!
//! Creating a ticket writes both items in one `TransactWriteItems`, each with
//! `attribute_not_exists(PK)`: of concurrent creators one wins, the others read its ticket back
//! (`AlreadyOpen`). Reopening and closing are `UpdateItem`s conditioned on the status
//! (`#status = CLOSED` / `#status = OPEN`), so a ticket is reopened or closed once. Notes and links are
//! `UpdateItem`s conditioned on the ticket id. Every read is strongly consistent.
//!
//! Limits: a ticket and its history must fit in one item (400 KB: thousands of events).
//! [`TicketStore::list`] is a `Scan` of the whole table filtered on the server (`SK = TICKET` and the
//! filter's fields), sorted by `opened_at` here: fine for a table of thousands of tickets; a global
//! secondary index on status or account is the next step when it is not.

use std::collections::HashMap;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::{AttributeValue, Put, ReturnValue, TransactWriteItem};
use soar_store::tickets::{
    NewTicket, OpenOutcome, OpenedTicket, Ticket, TicketAction, TicketEvent, TicketFilter,
    TicketStatus, TicketStore,
};
use soar_store::{Clock, Result, StoreError};

use super::{
    ATTEMPTS, Item, Reader, SERVICE, contention, finding_pk, format_timestamp, get_item,
    is_conditional_failure, key, malformed, s, scan_all, ticket_pk,
};
use crate::{AwsBackend, backend_error};

/// A [`TicketStore`] over one DynamoDB table (the `TicketsTable`); see the module docs for the items and
/// the conditional writes.
#[derive(Clone, Debug)]
pub struct DynamoTicketStore {
    backend: AwsBackend,
    client: Client,
    table: String,
    clock: Clock,
}

impl DynamoTicketStore {
    /// Tickets in `table`, using the backend's configuration and runtime and the system clock.
    pub fn new(backend: &AwsBackend, table: impl Into<String>) -> Self {
        DynamoTicketStore {
            backend: backend.clone(),
            client: Client::new(backend.sdk_config()),
            table: table.into(),
            clock: Clock::system(),
        }
    }

    /// The same store with another clock (for `opened_at`, `closed_at` and the history).
    pub fn with_clock(mut self, clock: Clock) -> Self {
        self.clock = clock;
        self
    }

    fn now(&self) -> String {
        format_timestamp(self.clock.now())
    }

    /// Appends an event to the ticket with this id (and sets `external_ref` when given).
    fn note_on(
        &self,
        ticket_id: &str,
        action: TicketAction,
        note: &str,
        external_ref: Option<&str>,
    ) -> Result<Ticket> {
        const OP: &str = "update ticket";
        let client = self.client.clone();
        let table = self.table.clone();
        let id = ticket_id.to_owned();
        let event = event(&self.now(), action, note);
        let external_ref = external_ref.map(str::to_owned);
        self.backend.run(async move {
            let Some(finding_id) = finding_of(&client, &table, &id, OP).await? else {
                return Err(StoreError::not_found("ticket", &id));
            };
            let mut update = client
                .update_item()
                .table_name(&table)
                .set_key(Some(key(finding_pk(&finding_id), "TICKET")))
                .condition_expression("ticket_id = :id")
                .expression_attribute_values(":id", s(&id))
                .expression_attribute_values(":ev", AttributeValue::L(vec![event]))
                .return_values(ReturnValue::AllNew);
            update = match external_ref {
                Some(external_ref) => update
                    .update_expression(
                        "SET history = list_append(history, :ev), external_ref = :ref",
                    )
                    .expression_attribute_values(":ref", s(external_ref)),
                None => update.update_expression("SET history = list_append(history, :ev)"),
            };
            match update.send().await {
                Ok(output) => to_ticket(&output.attributes.unwrap_or_default(), OP, &id),
                Err(e)
                    if e.as_service_error()
                        .is_some_and(|e| e.is_conditional_check_failed_exception()) =>
                {
                    Err(StoreError::not_found("ticket", &id))
                }
                Err(e) => Err(backend_error(SERVICE, OP, &id, e)),
            }
        })?
    }
}

fn event(at: &str, action: TicketAction, note: &str) -> AttributeValue {
    AttributeValue::M(HashMap::from([
        ("at".to_owned(), s(at)),
        ("action".to_owned(), s(action.as_str())),
        ("note".to_owned(), s(note)),
    ]))
}

/// The finding id of a ticket id (the `TICKET#<id>` item).
async fn finding_of(
    client: &Client,
    table: &str,
    ticket_id: &str,
    op: &'static str,
) -> Result<Option<String>> {
    let item = get_item(
        client,
        table,
        key(ticket_pk(ticket_id), "TICKET"),
        op,
        ticket_id,
    )
    .await?;
    item.map(|item| {
        Reader {
            item: &item,
            op,
            key: ticket_id,
        }
        .s("finding_id")
    })
    .transpose()
}

fn to_ticket(item: &Item, op: &'static str, key: &str) -> Result<Ticket> {
    let reader = Reader { item, op, key };
    let status = reader.s("status")?;
    let reopen_count = match item.get("reopen_count") {
        Some(AttributeValue::N(n)) => n
            .parse()
            .map_err(|_| malformed(op, key, format!("reopen_count is not a count: {n}")))?,
        None => 0,
        Some(other) => return Err(reader.bad("reopen_count", other)),
    };
    let history = match item.get("history") {
        Some(AttributeValue::L(events)) => events
            .iter()
            .map(|event| {
                let AttributeValue::M(fields) = event else {
                    return Err(reader.bad("history", event));
                };
                let fields = Reader {
                    item: fields,
                    op,
                    key,
                };
                let action = fields.s("action")?;
                Ok(TicketEvent {
                    at: fields.time("at")?,
                    action: TicketAction::parse(&action).ok_or_else(|| {
                        malformed(op, key, format!("unknown history action {action:?}"))
                    })?,
                    note: fields.s("note")?,
                })
            })
            .collect::<Result<_>>()?,
        None => Vec::new(),
        Some(other) => return Err(reader.bad("history", other)),
    };
    Ok(Ticket {
        id: reader.s("ticket_id")?,
        finding_id: reader.s("finding_id")?,
        account: reader.s("account")?,
        control_id: reader.opt_s("control_id")?,
        title: reader.s("title")?,
        severity: reader.s("severity")?,
        status: TicketStatus::parse(&status)
            .ok_or_else(|| malformed(op, key, format!("unknown status {status:?}")))?,
        opened_at: reader.time("opened_at")?,
        closed_at: reader
            .opt_s("closed_at")?
            .map(|text| reader.parse_time("closed_at", &text))
            .transpose()?,
        reopen_count,
        history,
        external_ref: reader.opt_s("external_ref")?,
    })
}

impl TicketStore for DynamoTicketStore {
    fn open_for(&self, new: &NewTicket) -> Result<OpenedTicket> {
        const OP: &str = "open ticket";
        if new.finding_id.is_empty() {
            return Err(StoreError::invalid(
                "ticket",
                "finding_id",
                "the finding id is empty",
            ));
        }
        let client = self.client.clone();
        let table = self.table.clone();
        let new = new.clone();
        let now = self.now();
        self.backend.run(async move {
            let id = new.finding_id.clone();
            let item_key = key(finding_pk(&id), "TICKET");
            for _ in 0..ATTEMPTS {
                let existing = get_item(&client, &table, item_key.clone(), OP, &id).await?;
                match existing {
                    Some(item) => {
                        let ticket = to_ticket(&item, OP, &id)?;
                        if ticket.status == TicketStatus::Open {
                            return Ok(OpenedTicket { ticket, outcome: OpenOutcome::AlreadyOpen });
                        }
                        // Reopen the closed ticket, unless someone else reopened it meanwhile.
                        let mut update = client
                            .update_item()
                            .table_name(&table)
                            .set_key(Some(item_key.clone()))
                            .condition_expression("#status = :closed")
                            .expression_attribute_names("#status", "status")
                            .expression_attribute_values(":closed", s(TicketStatus::Closed.as_str()))
                            .expression_attribute_values(":open", s(TicketStatus::Open.as_str()))
                            .expression_attribute_values(":one", AttributeValue::N("1".into()))
                            .expression_attribute_values(":title", s(&new.title))
                            .expression_attribute_values(":severity", s(&new.severity))
                            .expression_attribute_values(":account", s(&new.account))
                            .expression_attribute_values(
                                ":ev",
                                AttributeValue::L(vec![event(&now, TicketAction::Reopened, &new.note)]),
                            )
                            .return_values(ReturnValue::AllNew);
                        let mut set = "SET #status = :open, reopen_count = reopen_count + :one, \
                                       title = :title, severity = :severity, account = :account, \
                                       history = list_append(history, :ev)"
                            .to_owned();
                        if let Some(control_id) = &new.control_id {
                            set.push_str(", control_id = :control");
                            update = update.expression_attribute_values(":control", s(control_id));
                        }
                        set.push_str(" REMOVE closed_at");
                        match update.update_expression(set).send().await {
                            Ok(output) => {
                                let ticket = to_ticket(&output.attributes.unwrap_or_default(), OP, &id)?;
                                return Ok(OpenedTicket { ticket, outcome: OpenOutcome::Reopened });
                            }
                            Err(e)
                                if e.as_service_error()
                                    .is_some_and(|e| e.is_conditional_check_failed_exception()) => {}
                            Err(e) => return Err(backend_error(SERVICE, OP, &id, e)),
                        }
                    }
                    None => {
                        let ticket_id = uuid::Uuid::new_v4().to_string();
                        let mut item = key(finding_pk(&id), "TICKET");
                        item.extend([
                            ("ticket_id".to_owned(), s(&ticket_id)),
                            ("finding_id".to_owned(), s(&id)),
                            ("account".to_owned(), s(&new.account)),
                            ("title".to_owned(), s(&new.title)),
                            ("severity".to_owned(), s(&new.severity)),
                            ("status".to_owned(), s(TicketStatus::Open.as_str())),
                            ("opened_at".to_owned(), s(&now)),
                            ("reopen_count".to_owned(), AttributeValue::N("0".into())),
                            (
                                "history".to_owned(),
                                AttributeValue::L(vec![event(&now, TicketAction::Opened, &new.note)]),
                            ),
                        ]);
                        if let Some(control_id) = &new.control_id {
                            item.insert("control_id".to_owned(), s(control_id));
                        }
                        let mut pointer = key(ticket_pk(&ticket_id), "TICKET");
                        pointer.insert("finding_id".to_owned(), s(&id));
                        let put = |item: Item| {
                            Put::builder()
                                .table_name(&table)
                                .set_item(Some(item))
                                .condition_expression("attribute_not_exists(PK)")
                                .build()
                                .map(|put| TransactWriteItem::builder().put(put).build())
                                .map_err(|e| StoreError::invalid("ticket", &id, e.to_string()))
                        };
                        let written = client
                            .transact_write_items()
                            .transact_items(put(item.clone())?)
                            .transact_items(put(pointer)?)
                            .send()
                            .await;
                        match written {
                            Ok(_) => {
                                let ticket = to_ticket(&item, OP, &id)?;
                                return Ok(OpenedTicket { ticket, outcome: OpenOutcome::Created });
                            }
                            // Another execution created the finding's ticket first: read it back.
                            Err(e)
                                if matches!(
                                    e.as_service_error(),
                                    Some(TransactWriteItemsError::TransactionCanceledException(c))
                                        if c.cancellation_reasons().iter().any(is_conditional_failure)
                                ) => {}
                            Err(e) => return Err(backend_error(SERVICE, OP, &id, e)),
                        }
                    }
                }
            }
            Err(contention(OP, &id))
        })?
    }

    fn get_open(&self, finding_id: &str) -> Result<Option<Ticket>> {
        const OP: &str = "read open ticket";
        let client = self.client.clone();
        let table = self.table.clone();
        let id = finding_id.to_owned();
        self.backend.run(async move {
            let item = get_item(&client, &table, key(finding_pk(&id), "TICKET"), OP, &id).await?;
            let ticket = item.map(|item| to_ticket(&item, OP, &id)).transpose()?;
            Ok(ticket.filter(|ticket| ticket.status == TicketStatus::Open))
        })?
    }

    fn get_ticket(&self, ticket_id: &str) -> Result<Option<Ticket>> {
        const OP: &str = "read ticket";
        let client = self.client.clone();
        let table = self.table.clone();
        let id = ticket_id.to_owned();
        self.backend.run(async move {
            let Some(finding_id) = finding_of(&client, &table, &id, OP).await? else {
                return Ok(None);
            };
            let item = get_item(
                &client,
                &table,
                key(finding_pk(&finding_id), "TICKET"),
                OP,
                &id,
            )
            .await?;
            let ticket = item.map(|item| to_ticket(&item, OP, &id)).transpose()?;
            Ok(ticket.filter(|ticket| ticket.id == id))
        })?
    }

    fn close(&self, finding_id: &str, reason: &str) -> Result<Option<Ticket>> {
        const OP: &str = "close ticket";
        let client = self.client.clone();
        let table = self.table.clone();
        let id = finding_id.to_owned();
        let now = self.now();
        let event = event(&now, TicketAction::Closed, reason);
        self.backend.run(async move {
            let closed = client
                .update_item()
                .table_name(&table)
                .set_key(Some(key(finding_pk(&id), "TICKET")))
                .update_expression(
                    "SET #status = :closed, closed_at = :now, history = list_append(history, :ev)",
                )
                .condition_expression("#status = :open")
                .expression_attribute_names("#status", "status")
                .expression_attribute_values(":open", s(TicketStatus::Open.as_str()))
                .expression_attribute_values(":closed", s(TicketStatus::Closed.as_str()))
                .expression_attribute_values(":now", s(&now))
                .expression_attribute_values(":ev", AttributeValue::L(vec![event]))
                .return_values(ReturnValue::AllNew)
                .send()
                .await;
            match closed {
                Ok(output) => to_ticket(&output.attributes.unwrap_or_default(), OP, &id).map(Some),
                // No ticket, or not open: closing twice is harmless.
                Err(e)
                    if e.as_service_error()
                        .is_some_and(|e| e.is_conditional_check_failed_exception()) =>
                {
                    Ok(None)
                }
                Err(e) => Err(backend_error(SERVICE, OP, &id, e)),
            }
        })?
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
        const OP: &str = "list tickets";
        let client = self.client.clone();
        let table = self.table.clone();
        let filter = filter.clone();
        self.backend.run(async move {
            let mut conditions = vec!["SK = :sk", "begins_with(PK, :finding)"];
            let mut values = HashMap::from([
                (":sk".to_owned(), s("TICKET")),
                (":finding".to_owned(), s("FINDING#")),
            ]);
            let mut names = None;
            if let Some(status) = filter.status {
                conditions.push("#status = :status");
                values.insert(":status".into(), s(status.as_str()));
                names = Some(HashMap::from([("#status".to_owned(), "status".to_owned())]));
            }
            for (field, placeholder, value) in [
                ("account = :account", ":account", &filter.account),
                ("control_id = :control", ":control", &filter.control_id),
                ("finding_id = :fid", ":fid", &filter.finding_id),
            ] {
                if let Some(value) = value {
                    conditions.push(field);
                    values.insert(placeholder.into(), s(value));
                }
            }
            let expression = conditions.join(" AND ");
            let mut tickets = scan_all(&client, &table, &expression, names, values, OP)
                .await?
                .iter()
                .map(|item| to_ticket(item, OP, "filter"))
                .collect::<Result<Vec<_>>>()?;
            tickets.sort_by(|a, b| (a.opened_at, &a.finding_id).cmp(&(b.opened_at, &b.finding_id)));
            if let Some(limit) = filter.limit {
                tickets.truncate(limit);
            }
            Ok(tickets)
        })?
    }
}

//! [`DynamoIncidentStore`]: the incidents.
//!
//! Two kinds of items:
//!
//! * `PK = INCIDENT#<incident id>`, `SK = INCIDENT`: the whole incident (`incident_id`, `finding_id`,
//!   `kind`, `severity`, `status`, `opened_at`, `closed_at`) and its notes as a list attribute `notes` of
//!   maps `{at, text}`, appended to with `list_append`, never rewritten.
//! * `PK = FINDING#<finding id>`, `SK = OPEN#<kind>`: `incident_id`, present while an incident of that
//!   kind is open for the finding. The item's key is the rule "at most one open incident of a kind per
//!   finding", and [`IncidentStore::open_incidents`] is one `Query` of the finding's partition.
//!
//! Opening writes both items in one `TransactWriteItems`, each with `attribute_not_exists(PK)`: of
//! concurrent openers one creates the incident, the others find its `OPEN#` item and return it
//! (`created: false`). Closing is one `TransactWriteItems` too: the incident's status goes from `OPEN` to
//! `CLOSED` (conditioned on `OPEN`, so an incident is closed once) and its `OPEN#` item is deleted, so a
//! later incident of the same kind can be opened. Notes are `UpdateItem`s conditioned on the incident
//! existing. Every read is strongly consistent.
//!
//! # Expiry
//!
//! A closed incident gets the table's TTL attribute `expires_at` (epoch seconds): closing time plus the
//! retention in days given to [`DynamoIncidentStore::new`], after which DynamoDB deletes it. Open
//! incidents never expire: an incident still waiting for a human must not vanish, and its `OPEN#` item
//! would point to nothing.
//!
//! Limits: an incident and its notes must fit in one item (400 KB). [`IncidentStore::list_incidents`] is
//! a `Scan` of the whole table filtered on the server, sorted by `opened_at` here, like the tickets'.

use std::collections::HashMap;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::{
    AttributeValue, Delete, Put, ReturnValue, TransactWriteItem, Update,
};
use soar_store::incidents::{
    Incident, IncidentFilter, IncidentNote, IncidentStatus, IncidentStore, NewIncident,
    OpenedIncident,
};
use soar_store::{Clock, Result, StoreError};
use time::OffsetDateTime;

use super::{
    ATTEMPTS, Item, Reader, SERVICE, contention, finding_pk, format_timestamp, get_item,
    is_conditional_failure, key, malformed, s, scan_all,
};
use crate::{AwsBackend, backend_error};

fn incident_key(incident_id: &str) -> Item {
    key(format!("INCIDENT#{incident_id}"), "INCIDENT")
}

fn open_key(finding_id: &str, kind: &str) -> Item {
    key(finding_pk(finding_id), &format!("OPEN#{kind}"))
}

/// An [`IncidentStore`] over one DynamoDB table (the `IncidentsTable`); see the module docs for the
/// items, the conditional writes and the expiry of closed incidents.
#[derive(Clone, Debug)]
pub struct DynamoIncidentStore {
    backend: AwsBackend,
    client: Client,
    table: String,
    retention: time::Duration,
    clock: Clock,
}

impl DynamoIncidentStore {
    /// Incidents in `table`, using the backend's configuration and runtime and the system clock. A
    /// closed incident expires (TTL) `retention_days` days after it was closed.
    pub fn new(backend: &AwsBackend, table: impl Into<String>, retention_days: u32) -> Self {
        DynamoIncidentStore {
            backend: backend.clone(),
            client: Client::new(backend.sdk_config()),
            table: table.into(),
            retention: time::Duration::days(i64::from(retention_days)),
            clock: Clock::system(),
        }
    }

    /// The same store with another clock (for `opened_at`, `closed_at`, the notes and the expiry).
    pub fn with_clock(mut self, clock: Clock) -> Self {
        self.clock = clock;
        self
    }
}

fn note(at: &str, text: &str) -> AttributeValue {
    AttributeValue::M(HashMap::from([
        ("at".to_owned(), s(at)),
        ("text".to_owned(), s(text)),
    ]))
}

fn to_incident(item: &Item, op: &'static str, key: &str) -> Result<Incident> {
    let reader = Reader { item, op, key };
    let status = reader.s("status")?;
    let notes = match item.get("notes") {
        Some(AttributeValue::L(notes)) => notes
            .iter()
            .map(|note| {
                let AttributeValue::M(fields) = note else {
                    return Err(reader.bad("notes", note));
                };
                let fields = Reader {
                    item: fields,
                    op,
                    key,
                };
                Ok(IncidentNote {
                    at: fields.time("at")?,
                    text: fields.s("text")?,
                })
            })
            .collect::<Result<_>>()?,
        None => Vec::new(),
        Some(other) => return Err(reader.bad("notes", other)),
    };
    Ok(Incident {
        id: reader.s("incident_id")?,
        finding_id: reader.s("finding_id")?,
        kind: reader.s("kind")?,
        severity: reader.s("severity")?,
        status: IncidentStatus::parse(&status)
            .ok_or_else(|| malformed(op, key, format!("unknown status {status:?}")))?,
        opened_at: reader.time("opened_at")?,
        closed_at: reader
            .opt_s("closed_at")?
            .map(|text| reader.parse_time("closed_at", &text))
            .transpose()?,
        notes,
    })
}

async fn read_incident(
    client: &Client,
    table: &str,
    incident_id: &str,
    op: &'static str,
) -> Result<Option<Incident>> {
    let item = get_item(client, table, incident_key(incident_id), op, incident_id).await?;
    item.map(|item| to_incident(&item, op, incident_id))
        .transpose()
}

/// Whether a `TransactWriteItems` was cancelled because a condition failed (another writer got in
/// between).
fn lost_race(error: &aws_sdk_dynamodb::error::SdkError<TransactWriteItemsError>) -> bool {
    matches!(
        error.as_service_error(),
        Some(TransactWriteItemsError::TransactionCanceledException(cancelled))
            if cancelled.cancellation_reasons().iter().any(is_conditional_failure)
    )
}

fn build_error(what: &'static str, key: &str, error: impl std::fmt::Display) -> StoreError {
    StoreError::invalid(what, key, error.to_string())
}

impl IncidentStore for DynamoIncidentStore {
    fn open_incident(&self, new: &NewIncident) -> Result<OpenedIncident> {
        const OP: &str = "open incident";
        if new.finding_id.is_empty() || new.kind.is_empty() {
            return Err(StoreError::invalid(
                "incident",
                &new.finding_id,
                "the finding id and the kind must be set",
            ));
        }
        let client = self.client.clone();
        let table = self.table.clone();
        let new = new.clone();
        let now = format_timestamp(self.clock.now());
        self.backend.run(async move {
            let id = new.finding_id.as_str();
            let lock_key = open_key(id, &new.kind);
            for _ in 0..ATTEMPTS {
                if let Some(lock) = get_item(&client, &table, lock_key.clone(), OP, id).await? {
                    let reader = Reader {
                        item: &lock,
                        op: OP,
                        key: id,
                    };
                    let incident_id = reader.s("incident_id")?;
                    match read_incident(&client, &table, &incident_id, OP).await? {
                        Some(incident) if incident.status == IncidentStatus::Open => {
                            return Ok(OpenedIncident {
                                incident,
                                created: false,
                            });
                        }
                        // Closed between the two reads: its `OPEN#` item is gone now, try again.
                        Some(_) => continue,
                        None => {
                            return Err(malformed(
                                OP,
                                id,
                                format!(
                                    "the open {} incident {incident_id} does not exist",
                                    new.kind
                                ),
                            ));
                        }
                    }
                }
                let incident_id = uuid::Uuid::new_v4().to_string();
                let notes = if new.note.is_empty() {
                    Vec::new()
                } else {
                    vec![note(&now, &new.note)]
                };
                let mut item = incident_key(&incident_id);
                item.extend([
                    ("incident_id".to_owned(), s(&incident_id)),
                    ("finding_id".to_owned(), s(id)),
                    ("kind".to_owned(), s(&new.kind)),
                    ("severity".to_owned(), s(&new.severity)),
                    ("status".to_owned(), s(IncidentStatus::Open.as_str())),
                    ("opened_at".to_owned(), s(&now)),
                    ("notes".to_owned(), AttributeValue::L(notes)),
                ]);
                let mut lock = lock_key.clone();
                lock.insert("incident_id".to_owned(), s(&incident_id));
                let put = |item: Item| {
                    Put::builder()
                        .table_name(&table)
                        .set_item(Some(item))
                        .condition_expression("attribute_not_exists(PK)")
                        .build()
                        .map(|put| TransactWriteItem::builder().put(put).build())
                        .map_err(|e| build_error("incident", id, e))
                };
                let written = client
                    .transact_write_items()
                    .transact_items(put(item.clone())?)
                    .transact_items(put(lock)?)
                    .send()
                    .await;
                match written {
                    Ok(_) => {
                        let incident = to_incident(&item, OP, id)?;
                        return Ok(OpenedIncident {
                            incident,
                            created: true,
                        });
                    }
                    // Another execution opened an incident of this kind first: read it back.
                    Err(e) if lost_race(&e) => {}
                    Err(e) => return Err(backend_error(SERVICE, OP, id, e)),
                }
            }
            Err(contention(OP, id))
        })?
    }

    fn get_incident(&self, incident_id: &str) -> Result<Option<Incident>> {
        const OP: &str = "read incident";
        let client = self.client.clone();
        let table = self.table.clone();
        let id = incident_id.to_owned();
        self.backend
            .run(async move { read_incident(&client, &table, &id, OP).await })?
    }

    fn open_incidents(&self, finding_id: &str) -> Result<Vec<Incident>> {
        const OP: &str = "read open incidents";
        let client = self.client.clone();
        let table = self.table.clone();
        let id = finding_id.to_owned();
        self.backend.run(async move {
            let mut incidents = Vec::new();
            let mut start = None;
            loop {
                let page = client
                    .query()
                    .table_name(&table)
                    .key_condition_expression("PK = :pk AND begins_with(SK, :open)")
                    .expression_attribute_values(":pk", s(finding_pk(&id)))
                    .expression_attribute_values(":open", s("OPEN#"))
                    .set_exclusive_start_key(start)
                    .consistent_read(true)
                    .send()
                    .await
                    .map_err(|e| backend_error(SERVICE, OP, &id, e))?;
                for lock in page.items.unwrap_or_default() {
                    let reader = Reader {
                        item: &lock,
                        op: OP,
                        key: &id,
                    };
                    let incident_id = reader.s("incident_id")?;
                    // An incident closed since the query is no longer open.
                    if let Some(incident) = read_incident(&client, &table, &incident_id, OP).await?
                        && incident.status == IncidentStatus::Open
                    {
                        incidents.push(incident);
                    }
                }
                start = page.last_evaluated_key;
                if start.is_none() {
                    break;
                }
            }
            incidents.sort_by(|a, b| (a.opened_at, &a.id).cmp(&(b.opened_at, &b.id)));
            Ok(incidents)
        })?
    }

    fn add_incident_note(&self, incident_id: &str, text: &str) -> Result<Incident> {
        const OP: &str = "add incident note";
        let client = self.client.clone();
        let table = self.table.clone();
        let id = incident_id.to_owned();
        let note = note(&format_timestamp(self.clock.now()), text);
        self.backend.run(async move {
            let updated = client
                .update_item()
                .table_name(&table)
                .set_key(Some(incident_key(&id)))
                .update_expression("SET notes = list_append(notes, :note)")
                .condition_expression("attribute_exists(PK)")
                .expression_attribute_values(":note", AttributeValue::L(vec![note]))
                .return_values(ReturnValue::AllNew)
                .send()
                .await;
            match updated {
                Ok(output) => to_incident(&output.attributes.unwrap_or_default(), OP, &id),
                Err(e)
                    if e.as_service_error()
                        .is_some_and(|e| e.is_conditional_check_failed_exception()) =>
                {
                    Err(StoreError::not_found("incident", &id))
                }
                Err(e) => Err(backend_error(SERVICE, OP, &id, e)),
            }
        })?
    }

    fn close_incident(&self, incident_id: &str, note_text: &str) -> Result<Incident> {
        const OP: &str = "close incident";
        let client = self.client.clone();
        let table = self.table.clone();
        let id = incident_id.to_owned();
        let closed_at = self.clock.now();
        let now = format_timestamp(closed_at);
        let expires_at = expiry(closed_at, self.retention);
        let note = (!note_text.is_empty()).then(|| note(&now, note_text));
        self.backend.run(async move {
            for _ in 0..ATTEMPTS {
                let Some(incident) = read_incident(&client, &table, &id, OP).await? else {
                    return Err(StoreError::not_found("incident", &id));
                };
                if incident.status == IncidentStatus::Closed {
                    return Ok(incident);
                }
                let mut set =
                    "SET #status = :closed, closed_at = :now, expires_at = :expires".to_owned();
                let mut values = HashMap::from([
                    (":open".to_owned(), s(IncidentStatus::Open.as_str())),
                    (":closed".to_owned(), s(IncidentStatus::Closed.as_str())),
                    (":now".to_owned(), s(&now)),
                    (
                        ":expires".to_owned(),
                        AttributeValue::N(expires_at.to_string()),
                    ),
                ]);
                if let Some(note) = &note {
                    set.push_str(", notes = list_append(notes, :note)");
                    values.insert(":note".to_owned(), AttributeValue::L(vec![note.clone()]));
                }
                let update = Update::builder()
                    .table_name(&table)
                    .set_key(Some(incident_key(&id)))
                    .update_expression(set)
                    .condition_expression("#status = :open")
                    .expression_attribute_names("#status", "status")
                    .set_expression_attribute_values(Some(values))
                    .build()
                    .map_err(|e| build_error("incident", &id, e))?;
                // A missing `OPEN#` item (never expected) must not keep the incident open forever.
                let unlock = Delete::builder()
                    .table_name(&table)
                    .set_key(Some(open_key(&incident.finding_id, &incident.kind)))
                    .condition_expression("attribute_not_exists(PK) OR incident_id = :id")
                    .expression_attribute_values(":id", s(&id))
                    .build()
                    .map_err(|e| build_error("incident", &id, e))?;
                let written = client
                    .transact_write_items()
                    .transact_items(TransactWriteItem::builder().update(update).build())
                    .transact_items(TransactWriteItem::builder().delete(unlock).build())
                    .send()
                    .await;
                match written {
                    // A transaction returns no values; read the incident back (notes may have been
                    // added since the first read).
                    Ok(_) => {
                        return read_incident(&client, &table, &id, OP)
                            .await?
                            .ok_or_else(|| StoreError::not_found("incident", &id));
                    }
                    // Closed by someone else meanwhile: the next read returns it.
                    Err(e) if lost_race(&e) => {}
                    Err(e) => return Err(backend_error(SERVICE, OP, &id, e)),
                }
            }
            Err(contention(OP, &id))
        })?
    }

    fn list_incidents(&self, filter: &IncidentFilter) -> Result<Vec<Incident>> {
        const OP: &str = "list incidents";
        let client = self.client.clone();
        let table = self.table.clone();
        let filter = filter.clone();
        self.backend.run(async move {
            let mut conditions = vec!["SK = :sk", "begins_with(PK, :incident)"];
            let mut values = HashMap::from([
                (":sk".to_owned(), s("INCIDENT")),
                (":incident".to_owned(), s("INCIDENT#")),
            ]);
            let mut names = None;
            if let Some(status) = filter.status {
                conditions.push("#status = :status");
                values.insert(":status".into(), s(status.as_str()));
                names = Some(HashMap::from([("#status".to_owned(), "status".to_owned())]));
            }
            if let Some(finding_id) = &filter.finding_id {
                conditions.push("finding_id = :fid");
                values.insert(":fid".into(), s(finding_id));
            }
            if let Some(kind) = &filter.kind {
                conditions.push("kind = :kind");
                values.insert(":kind".into(), s(kind));
            }
            let expression = conditions.join(" AND ");
            let mut incidents = scan_all(&client, &table, &expression, names, values, OP)
                .await?
                .iter()
                .map(|item| to_incident(item, OP, "filter"))
                .collect::<Result<Vec<_>>>()?;
            incidents.sort_by(|a, b| (a.opened_at, &a.id).cmp(&(b.opened_at, &b.id)));
            if let Some(limit) = filter.limit {
                incidents.truncate(limit);
            }
            Ok(incidents)
        })?
    }
}

/// The TTL value of an incident closed at `closed_at`: epoch seconds.
fn expiry(closed_at: OffsetDateTime, retention: time::Duration) -> i64 {
    (closed_at + retention).unix_timestamp()
}

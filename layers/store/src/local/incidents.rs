//! [`IncidentStore`] over SQLite.

use rusqlite::{Connection, OptionalExtension, params};

use super::LocalStore;
use super::stored::db;
use super::stored::{from_db, to_db};
use super::tickets::bad_text;
use crate::error::{Result, StoreError};
use crate::incidents::{
    Incident, IncidentFilter, IncidentNote, IncidentStatus, IncidentStore, NewIncident,
    OpenedIncident,
};

const COLUMNS: &str = "id, finding_id, kind, severity, status, opened_at, closed_at";
// `+?1` in queries with ORDER BY or max(): see the statements of `tickets.rs`.

fn row_to_incident(row: &rusqlite::Row<'_>) -> rusqlite::Result<Incident> {
    let status: String = row.get(4)?;
    let opened_at: String = row.get(5)?;
    let closed_at: Option<String> = row.get(6)?;
    Ok(Incident {
        id: row.get(0)?,
        finding_id: row.get(1)?,
        kind: row.get(2)?,
        severity: row.get(3)?,
        status: IncidentStatus::parse(&status).ok_or_else(|| bad_text(4, &status))?,
        opened_at: from_db(&opened_at)?,
        closed_at: closed_at.as_deref().map(from_db).transpose()?,
        notes: Vec::new(),
    })
}

fn with_notes(conn: &Connection, mut incident: Incident) -> rusqlite::Result<Incident> {
    incident.notes = conn
        .prepare_cached("SELECT at, text FROM incident_notes WHERE incident_id = +?1 ORDER BY seq")?
        .query_map([&incident.id], |row| {
            let at: String = row.get(0)?;
            Ok(IncidentNote {
                at: from_db(&at)?,
                text: row.get(1)?,
            })
        })?
        .collect::<rusqlite::Result<_>>()?;
    Ok(incident)
}

fn incident_by_id(conn: &Connection, id: &str) -> rusqlite::Result<Option<Incident>> {
    let incident = conn
        .prepare_cached(&format!("SELECT {COLUMNS} FROM incidents WHERE id = ?1"))?
        .query_row([id], row_to_incident)
        .optional()?;
    incident
        .map(|incident| with_notes(conn, incident))
        .transpose()
}

fn append_note(conn: &Connection, id: &str, at: &str, text: &str) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT INTO incident_notes (incident_id, seq, at, text)
         VALUES (?1, (SELECT coalesce(max(seq), 0) + 1 FROM incident_notes WHERE incident_id = +?1), ?2, ?3)",
    )?
    .execute(params![id, at, text])?;
    Ok(())
}

impl IncidentStore for LocalStore {
    fn open_incident(&self, new: &NewIncident) -> Result<OpenedIncident> {
        if new.finding_id.is_empty() || new.kind.is_empty() {
            return Err(StoreError::invalid(
                "incident",
                &new.finding_id,
                "the finding id and the kind must be set",
            ));
        }
        let key = new.finding_id.as_str();
        let now = to_db(self.now());
        self.write("open incident", key, |tx| {
            let err = || db("open incident", key);
            let existing: Option<String> = tx
                .prepare_cached("SELECT id FROM incidents WHERE finding_id = ?1 AND kind = ?2 AND status = 'OPEN'")
                .and_then(|mut s| s.query_row(params![key, new.kind], |row| row.get(0)).optional())
                .map_err(err())?;
            let (id, created) = match existing {
                Some(id) => (id, false),
                None => {
                    let id = uuid::Uuid::new_v4().to_string();
                    tx.prepare_cached(&format!("INSERT INTO incidents ({COLUMNS}) VALUES (?1, ?2, ?3, ?4, 'OPEN', ?5, NULL)"))
                        .and_then(|mut s| s.execute(params![id, key, new.kind, new.severity, now]))
                        .map_err(err())?;
                    if !new.note.is_empty() {
                        append_note(tx, &id, &now, &new.note).map_err(err())?;
                    }
                    (id, true)
                }
            };
            let incident = incident_by_id(tx, &id).map_err(err())?.ok_or_else(|| StoreError::not_found("incident", &id))?;
            Ok(OpenedIncident { incident, created })
        })
    }

    fn get_incident(&self, incident_id: &str) -> Result<Option<Incident>> {
        self.read(|conn| {
            incident_by_id(conn, incident_id).map_err(db("read incident", incident_id))
        })
    }

    fn open_incidents(&self, finding_id: &str) -> Result<Vec<Incident>> {
        self.list_incidents(&IncidentFilter {
            status: Some(IncidentStatus::Open),
            finding_id: Some(finding_id.to_owned()),
            ..Default::default()
        })
    }

    fn add_incident_note(&self, incident_id: &str, text: &str) -> Result<Incident> {
        let now = to_db(self.now());
        self.write("add incident note", incident_id, |tx| {
            let err = || db("add incident note", incident_id);
            if incident_by_id(tx, incident_id).map_err(err())?.is_none() {
                return Err(StoreError::not_found("incident", incident_id));
            }
            append_note(tx, incident_id, &now, text).map_err(err())?;
            incident_by_id(tx, incident_id)
                .map_err(err())?
                .ok_or_else(|| StoreError::not_found("incident", incident_id))
        })
    }

    fn close_incident(&self, incident_id: &str, note: &str) -> Result<Incident> {
        let now = to_db(self.now());
        self.write("close incident", incident_id, |tx| {
            let err = || db("close incident", incident_id);
            let incident = incident_by_id(tx, incident_id)
                .map_err(err())?
                .ok_or_else(|| StoreError::not_found("incident", incident_id))?;
            if incident.status == IncidentStatus::Closed {
                return Ok(incident);
            }
            tx.prepare_cached(
                "UPDATE incidents SET status = 'CLOSED', closed_at = ?2 WHERE id = ?1",
            )
            .and_then(|mut s| s.execute(params![incident_id, now]))
            .map_err(err())?;
            if !note.is_empty() {
                append_note(tx, incident_id, &now, note).map_err(err())?;
            }
            incident_by_id(tx, incident_id)
                .map_err(err())?
                .ok_or_else(|| StoreError::not_found("incident", incident_id))
        })
    }

    fn list_incidents(&self, filter: &IncidentFilter) -> Result<Vec<Incident>> {
        let limit = filter
            .limit
            .map_or(-1, |limit| i64::try_from(limit).unwrap_or(i64::MAX));
        self.read(|conn| {
            let err = || db("list incidents", "filter");
            let incidents = conn
                .prepare_cached(&format!(
                    "SELECT {COLUMNS} FROM incidents
                     WHERE (?1 IS NULL OR status = ?1) AND (?2 IS NULL OR finding_id = ?2) AND (?3 IS NULL OR kind = ?3)
                     ORDER BY opened_at, rowid LIMIT ?4"
                ))
                .and_then(|mut s| {
                    s.query_map(
                        params![filter.status.map(IncidentStatus::as_str), filter.finding_id, filter.kind, limit],
                        row_to_incident,
                    )?
                    .collect::<rusqlite::Result<Vec<_>>>()
                })
                .map_err(err())?;
            incidents.into_iter().map(|incident| with_notes(conn, incident).map_err(err())).collect()
        })
    }
}

// The behaviour of this store is tested by the conformance scenarios every backend runs
// (`layers/store/tests/conformance.rs`, from `soar_testkit::conformance`).

//! Incidents: findings that need a human now (GuardDuty threats, root-account use, ...), with notes that
//! are only ever appended to. At most one incident of a kind is open for a finding at a time.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::error::Result;
use crate::timefmt::rfc3339;

/// Whether an incident is being handled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum IncidentStatus {
    /// Being handled.
    Open,
    /// Handled.
    Closed,
}

impl IncidentStatus {
    /// The stored and serialized name: `OPEN` or `CLOSED`.
    pub fn as_str(self) -> &'static str {
        match self {
            IncidentStatus::Open => "OPEN",
            IncidentStatus::Closed => "CLOSED",
        }
    }

    /// The inverse of [`IncidentStatus::as_str`].
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "OPEN" => Some(IncidentStatus::Open),
            "CLOSED" => Some(IncidentStatus::Closed),
            _ => None,
        }
    }
}

/// A note on an incident.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IncidentNote {
    /// When it was written.
    #[serde(with = "rfc3339")]
    pub at: OffsetDateTime,
    /// What it says.
    pub text: String,
}

/// An incident record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Incident {
    /// The incident's id (a UUID).
    pub id: String,
    /// The finding that raised it.
    pub finding_id: String,
    /// What kind of incident, e.g. `guardduty` or `root-login`.
    pub kind: String,
    /// The severity label.
    pub severity: String,
    /// Open or closed.
    pub status: IncidentStatus,
    /// When it was opened.
    #[serde(with = "rfc3339")]
    pub opened_at: OffsetDateTime,
    /// When it was closed; `None` while open.
    #[serde(default, with = "rfc3339::option")]
    pub closed_at: Option<OffsetDateTime>,
    /// Notes, oldest first (the opening and closing notes included).
    pub notes: Vec<IncidentNote>,
}

/// What [`IncidentStore::open_incident`] needs.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct NewIncident {
    /// The finding that raises it.
    pub finding_id: String,
    /// What kind of incident.
    pub kind: String,
    /// The severity label.
    pub severity: String,
    /// The first note (empty for none).
    pub note: String,
}

/// The incident [`IncidentStore::open_incident`] returns, and whether it was created.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpenedIncident {
    /// The open incident.
    pub incident: Incident,
    /// `false` when an incident of this kind was already open for the finding (nothing changed).
    pub created: bool,
}

/// Which incidents [`IncidentStore::list_incidents`] returns; every field that is set must match.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct IncidentFilter {
    /// Only incidents with this status.
    pub status: Option<IncidentStatus>,
    /// Only incidents of this finding.
    pub finding_id: Option<String>,
    /// Only incidents of this kind.
    pub kind: Option<String>,
    /// At most this many (oldest first).
    pub limit: Option<usize>,
}

/// Where incidents live.
pub trait IncidentStore {
    /// Opens an incident, or returns the open incident of the same kind for the same finding.
    fn open_incident(&self, new: &NewIncident) -> Result<OpenedIncident>;

    /// An incident by its id.
    fn get_incident(&self, incident_id: &str) -> Result<Option<Incident>>;

    /// The open incidents of a finding.
    fn open_incidents(&self, finding_id: &str) -> Result<Vec<Incident>>;

    /// Appends a note. Fails with [`crate::StoreError::NotFound`] for an unknown id.
    fn add_incident_note(&self, incident_id: &str, text: &str) -> Result<Incident>;

    /// Closes an incident with a note; closing a closed incident changes nothing.
    fn close_incident(&self, incident_id: &str, note: &str) -> Result<Incident>;

    /// The incidents that match the filter, oldest first.
    fn list_incidents(&self, filter: &IncidentFilter) -> Result<Vec<Incident>>;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_names_round_trip() {
        for status in [IncidentStatus::Open, IncidentStatus::Closed] {
            assert_eq!(IncidentStatus::parse(status.as_str()), Some(status));
            assert_eq!(serde_json::to_value(status).unwrap(), status.as_str());
        }
        assert_eq!(IncidentStatus::parse("open"), None);
    }
}

//! The SQLite schema, as migrations: `PRAGMA user_version` is the number of migrations applied.
//! Never edit a released migration; append a new one.

/// The migrations, oldest first.
pub(crate) const MIGRATIONS: &[&str] = &[V1];

const V1: &str = r#"
CREATE TABLE tickets (
    id           TEXT PRIMARY KEY,
    finding_id   TEXT NOT NULL,
    account      TEXT NOT NULL,
    control_id   TEXT,
    title        TEXT NOT NULL,
    severity     TEXT NOT NULL,
    status       TEXT NOT NULL CHECK (status IN ('OPEN', 'CLOSED')),
    opened_at    TEXT NOT NULL,
    closed_at    TEXT,
    reopen_count INTEGER NOT NULL DEFAULT 0,
    external_ref TEXT
);
-- At most one open ticket per finding, whatever the callers do.
CREATE UNIQUE INDEX tickets_one_open_per_finding ON tickets (finding_id) WHERE status = 'OPEN';
CREATE INDEX tickets_by_finding ON tickets (finding_id, opened_at);

-- Append-only: a ticket's history is never rewritten.
CREATE TABLE ticket_events (
    ticket_id TEXT NOT NULL REFERENCES tickets (id),
    seq       INTEGER NOT NULL,
    at        TEXT NOT NULL,
    action    TEXT NOT NULL,
    note      TEXT NOT NULL,
    PRIMARY KEY (ticket_id, seq)
) WITHOUT ROWID;

-- The processed-event ledger: the fingerprints of the newest UpdatedAt of each finding.
CREATE TABLE event_ledger (
    finding_id  TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    recorded_at TEXT NOT NULL,
    PRIMARY KEY (finding_id, updated_at, fingerprint)
) WITHOUT ROWID;

CREATE TABLE suppression_rules (
    id            TEXT PRIMARY KEY,
    control_id    TEXT,
    account_id    TEXT,
    resource      TEXT,
    resource_tags TEXT NOT NULL,
    expires_at    TEXT,
    reason        TEXT NOT NULL
);
CREATE INDEX suppression_rules_by_control ON suppression_rules (control_id);

CREATE TABLE accounts (
    id        TEXT PRIMARY KEY,
    doc       TEXT NOT NULL,
    cached_at TEXT NOT NULL
);

CREATE TABLE incidents (
    id         TEXT PRIMARY KEY,
    finding_id TEXT NOT NULL,
    kind       TEXT NOT NULL,
    severity   TEXT NOT NULL,
    status     TEXT NOT NULL CHECK (status IN ('OPEN', 'CLOSED')),
    opened_at  TEXT NOT NULL,
    closed_at  TEXT
);
CREATE UNIQUE INDEX incidents_one_open_per_finding_and_kind ON incidents (finding_id, kind) WHERE status = 'OPEN';
CREATE INDEX incidents_by_finding ON incidents (finding_id, opened_at);

CREATE TABLE incident_notes (
    incident_id TEXT NOT NULL REFERENCES incidents (id),
    seq         INTEGER NOT NULL,
    at          TEXT NOT NULL,
    text        TEXT NOT NULL,
    PRIMARY KEY (incident_id, seq)
) WITHOUT ROWID;

-- Security Hub findings as JSON, with the filtered fields copied into columns.
-- seq never changes for a finding, so it orders GetFindings pages stably.
CREATE TABLE findings (
    seq               INTEGER PRIMARY KEY,
    id                TEXT NOT NULL,
    product_arn       TEXT NOT NULL,
    aws_account_id    TEXT,
    control_id        TEXT,
    compliance_status TEXT,
    workflow_status   TEXT,
    record_state      TEXT,
    severity_label    TEXT,
    updated_at        TEXT NOT NULL,
    -- Bits of the top-level fields BatchUpdateFindings has set (Confidence 1, Criticality 2,
    -- RelatedFindings 4, Severity 8, Types 16): imports no longer change them.
    set_by_update     INTEGER NOT NULL DEFAULT 0,
    doc               TEXT NOT NULL,
    UNIQUE (id, product_arn)
);
CREATE INDEX findings_by_account ON findings (aws_account_id);
CREATE INDEX findings_by_control ON findings (control_id);

CREATE TABLE finding_changes (
    seq            INTEGER PRIMARY KEY AUTOINCREMENT,
    at             TEXT NOT NULL,
    finding_id     TEXT NOT NULL,
    product_arn    TEXT NOT NULL,
    kind           TEXT NOT NULL,
    actor          TEXT NOT NULL,
    caused_by      INTEGER,
    depth          INTEGER NOT NULL,
    changed_fields TEXT NOT NULL,
    doc            TEXT NOT NULL
);
"#;

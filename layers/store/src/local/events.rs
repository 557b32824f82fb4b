//! [`EventLedger`] over SQLite.

use rusqlite::{OptionalExtension, params};
use time::OffsetDateTime;

use super::LocalStore;
use super::stored::db;
use super::stored::{from_db, to_db};
use crate::error::Result;
use crate::events::{EventLedger, LedgerEntry, Outcome};

// `+?1`: see the statements of `tickets.rs`; without it SQLite re-prepares `max()` queries on every call.
pub(super) const NEWEST: &str = "SELECT max(updated_at) FROM event_ledger WHERE finding_id = +?1";
pub(super) const RECORD: &str =
    "INSERT OR IGNORE INTO event_ledger (finding_id, updated_at, fingerprint, recorded_at)
     VALUES (?1, ?2, ?3, ?4)";
pub(super) const PRUNE: &str = "DELETE FROM event_ledger WHERE finding_id = ?1 AND updated_at < ?2";
const LATEST: &str =
    "SELECT updated_at, fingerprint, recorded_at FROM event_ledger WHERE finding_id = +?1
     ORDER BY updated_at DESC, recorded_at DESC LIMIT 1";

impl EventLedger for LocalStore {
    fn record_if_newer(
        &self,
        finding_id: &str,
        updated_at: OffsetDateTime,
        fingerprint: &str,
    ) -> Result<Outcome> {
        let updated_at = to_db(updated_at);
        let now = to_db(self.now());
        self.write("record event", finding_id, |tx| {
            let err = || db("record event", finding_id);
            let newest: Option<String> = tx
                .prepare_cached(NEWEST)
                .and_then(|mut s| s.query_row([finding_id], |row| row.get(0)))
                .map_err(err())?;
            if newest
                .as_deref()
                .is_some_and(|newest| updated_at.as_str() < newest)
            {
                return Ok(Outcome::Older);
            }
            let inserted = tx
                .prepare_cached(RECORD)
                .and_then(|mut s| s.execute(params![finding_id, updated_at, fingerprint, now]))
                .map_err(err())?;
            if inserted == 0 {
                return Ok(Outcome::Duplicate);
            }
            if newest
                .as_deref()
                .is_some_and(|newest| newest < updated_at.as_str())
            {
                // Events older than this one can only be Older from now on: keep the ledger small.
                tx.prepare_cached(PRUNE)
                    .and_then(|mut s| s.execute(params![finding_id, updated_at]))
                    .map_err(err())?;
            }
            Ok(Outcome::New)
        })
    }

    fn latest(&self, finding_id: &str) -> Result<Option<LedgerEntry>> {
        self.read(|conn| {
            conn.prepare_cached(LATEST)
                .and_then(|mut s| {
                    s.query_row([finding_id], |row| {
                        let updated_at: String = row.get(0)?;
                        let recorded_at: String = row.get(2)?;
                        Ok(LedgerEntry {
                            finding_id: finding_id.to_owned(),
                            updated_at: from_db(&updated_at)?,
                            fingerprint: row.get(1)?,
                            recorded_at: from_db(&recorded_at)?,
                        })
                    })
                    .optional()
                })
                .map_err(db("read event ledger", finding_id))
        })
    }
}

// The behaviour of this store is tested by the conformance scenarios every backend runs
// (`layers/store/tests/conformance.rs`, from `soar_testkit::conformance`).

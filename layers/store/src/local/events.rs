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

#[cfg(test)]
mod tests {
    use super::super::test_support::{at, store};
    use super::*;
    use std::sync::Arc;

    #[test]
    fn identical_and_older_events_change_nothing() {
        let store = store();
        assert_eq!(store.latest("f").unwrap(), None);
        assert_eq!(
            store.record_if_newer("f", at(100), "a").unwrap(),
            Outcome::New
        );
        assert_eq!(
            store.record_if_newer("f", at(100), "a").unwrap(),
            Outcome::Duplicate
        );
        assert_eq!(
            store.record_if_newer("f", at(99), "z").unwrap(),
            Outcome::Older
        );
        let latest = store.latest("f").unwrap().unwrap();
        assert_eq!(
            (latest.updated_at, latest.fingerprint.as_str()),
            (at(100), "a")
        );

        // Same UpdatedAt, different content (a BatchUpdateFindings change): new, and remembered.
        assert_eq!(
            store.record_if_newer("f", at(100), "b").unwrap(),
            Outcome::New
        );
        assert_eq!(
            store.record_if_newer("f", at(100), "a").unwrap(),
            Outcome::Duplicate
        );
        assert_eq!(
            store.record_if_newer("f", at(100), "b").unwrap(),
            Outcome::Duplicate
        );

        assert_eq!(
            store.record_if_newer("f", at(101), "a").unwrap(),
            Outcome::New
        );
        assert_eq!(
            store.record_if_newer("f", at(100), "c").unwrap(),
            Outcome::Older
        );
        assert_eq!(store.latest("f").unwrap().unwrap().updated_at, at(101));
        let rows: i64 = store
            .read(|c| {
                Ok(
                    c.query_row("SELECT count(*) FROM event_ledger", [], |r| r.get(0))
                        .unwrap(),
                )
            })
            .unwrap();
        assert_eq!(rows, 1, "superseded entries are pruned");

        // Findings are independent.
        assert_eq!(
            store.record_if_newer("g", at(0), "a").unwrap(),
            Outcome::New
        );
    }

    #[test]
    fn timestamps_compare_as_times_not_as_text() {
        let store = store();
        let plus_one = time::macros::datetime!(2026-11-23 13:00:00 +01:00); // 12:00 UTC
        assert_eq!(
            store.record_if_newer("f", plus_one, "a").unwrap(),
            Outcome::New
        );
        assert_eq!(
            store.record_if_newer("f", at(0), "a").unwrap(),
            Outcome::Duplicate
        );
        assert_eq!(
            store
                .record_if_newer("f", at(0) - time::Duration::milliseconds(1), "b")
                .unwrap(),
            Outcome::Older
        );
    }

    /// The same event delivered to many executions at once is processed by exactly one.
    #[test]
    fn concurrent_deliveries_are_new_exactly_once() {
        let store = Arc::new(store());
        let threads: Vec<_> = (0..8)
            .map(|_| {
                let store = store.clone();
                std::thread::spawn(move || {
                    (0..50)
                        .filter(|i| {
                            store
                                .record_if_newer(&format!("f-{i}"), at(5), "x")
                                .unwrap()
                                == Outcome::New
                        })
                        .count()
                })
            })
            .collect();
        let new: usize = threads.into_iter().map(|t| t.join().unwrap()).sum();
        assert_eq!(new, 50);
    }
}

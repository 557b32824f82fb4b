//! SOAR's storage behind traits: tables (tickets, incidents, suppressions, accounts, processed events),
//! the Security Hub finding store, the e-mail outbox and the dry-run plan. The embedded backend keeps
//! them in SQLite and files; the AWS backend implements the same traits over the AWS SDK.
//!
//! | trait | what | embedded backend |
//! |---|---|---|
//! | [`TicketStore`] | one open ticket per finding, history appended, reopen counted | SQLite |
//! | [`EventLedger`] | processed finding events, for idempotency | SQLite |
//! | [`SuppressionStore`] | local suppression rules | SQLite (+ JSON file import) |
//! | [`AccountDirectory`] | account owners, environment, team e-mail | SQLite cache of an accounts JSON file |
//! | [`IncidentStore`] | incident records | SQLite |
//! | [`FindingStore`], [`FindingChangeFeed`] | Security Hub's BatchImportFindings, BatchUpdateFindings, GetFindings; changes fed back like EventBridge | SQLite |
//! | [`Mailer`] | e-mail | `.eml` files in an outbox folder |
//! | [`ActionRecorder`] | the dry-run plan of AWS calls not made | `plan.jsonl` |
//!
//! The traits are synchronous and object-safe: hold them as `Arc<dyn TicketStore + Send + Sync>`.
//! [`LocalStore`] implements all of them; its calls take microseconds, so async code may call them
//! directly.
#![warn(missing_docs)]

use std::sync::Arc;

use time::OffsetDateTime;

pub mod accounts;
pub mod error;
pub mod events;
pub mod findings;
pub mod incidents;
pub mod local;
pub mod outbox;
pub mod plan;
pub mod suppressions;
pub mod tickets;
pub mod timefmt;

pub use accounts::{Account, AccountDirectory};
pub use error::{Result, StoreError};
pub use events::{EventLedger, LedgerEntry, Outcome};
pub use findings::{
    BatchImportFindingsResponse, BatchUpdateFindingsRequest, BatchUpdateFindingsResponse,
    ChangeContext, FindingChange, FindingChangeFeed, FindingFilters, FindingIdentifier,
    FindingStore, GetFindingsRequest, GetFindingsResponse, StringComparison, StringFilter,
};
pub use incidents::{Incident, IncidentStatus, IncidentStore, NewIncident};
pub use local::{GroupCommit, LocalStore};
pub use outbox::{Email, FileOutbox, Mailer, SentEmail};
pub use plan::{ActionRecorder, JsonlPlan, PlannedCall};
pub use suppressions::{FindingFacts, SuppressionRule, SuppressionStore};
pub use tickets::{NewTicket, Ticket, TicketStatus, TicketStore};

/// Where a store gets the current time from: the system clock, or a fixed or scripted one in tests.
#[derive(Clone)]
pub struct Clock(Arc<dyn Fn() -> OffsetDateTime + Send + Sync>);

impl Clock {
    /// The system clock (UTC).
    pub fn system() -> Self {
        Clock(Arc::new(OffsetDateTime::now_utc))
    }

    /// A clock that always says `at`.
    pub fn fixed(at: OffsetDateTime) -> Self {
        Clock(Arc::new(move || at))
    }

    /// A clock that calls `now`.
    pub fn from_fn(now: impl Fn() -> OffsetDateTime + Send + Sync + 'static) -> Self {
        Clock(Arc::new(now))
    }

    /// The current time.
    pub fn now(&self) -> OffsetDateTime {
        (self.0)()
    }
}

impl std::fmt::Debug for Clock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Clock")
    }
}

impl Default for Clock {
    fn default() -> Self {
        Clock::system()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every trait can be held as `Arc<dyn Trait + Send + Sync>`, and `LocalStore` implements them all.
    #[test]
    fn traits_are_object_safe_and_local_store_implements_them() {
        let store = Arc::new(LocalStore::in_memory().unwrap());
        let _: Arc<dyn TicketStore + Send + Sync> = store.clone();
        let _: Arc<dyn EventLedger + Send + Sync> = store.clone();
        let _: Arc<dyn SuppressionStore + Send + Sync> = store.clone();
        let _: Arc<dyn AccountDirectory + Send + Sync> = store.clone();
        let _: Arc<dyn IncidentStore + Send + Sync> = store.clone();
        let _: Arc<dyn FindingStore + Send + Sync> = store.clone();
        let _: Arc<dyn FindingChangeFeed + Send + Sync> = store.clone();
        let _: Arc<dyn Mailer + Send + Sync> = store.clone();
        let _: Arc<dyn ActionRecorder + Send + Sync> = store;
    }

    #[test]
    fn clocks() {
        let at = time::macros::datetime!(2026-11-23 12:00 UTC);
        assert_eq!(Clock::fixed(at).now(), at);
        assert!(Clock::system().now() > at - time::Duration::days(3650));
        assert_eq!(format!("{:?}", Clock::default()), "Clock");
    }
}
